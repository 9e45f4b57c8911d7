import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load';
import { presenceSection } from '../../src/config/sections/presence';

const accepts = (remote: string): boolean => presenceSection.safeParse({ remote }).success;

describe('presence.remote: the forms git accepts and a grid would use', () => {
  it.each([
    'git@github.com:acme/grid-presence.git',
    'git.example.com:acme/p.git',
    'user@[::1]:grid.git',
    'ssh://git@git.example.com:2222/acme/p.git',
    'git+ssh://git.example.com/p.git',
    'git://127.0.0.1:9418/grid.git',
    'https://user:tok@git.example.com/acme/p.git',
    'http://127.0.0.1:8080/grid.git',
    'file:///srv/git/p.git',
    '/srv/git/p.git',
  ])('accepts %s', (remote) => expect(accepts(remote)).toBe(true));

  it.each([
    '--upload-pack=touch /tmp/x',
    'ext::sh -c touch% /tmp/x',
    'ext::foo',
    'fd::3',
    'grid.git',
    './grid.git',
    'relative/grid.git',
    'host:',
    'foo://host/x',
    'http://',
    '/srv/a b.git',
  ])('refuses %j', (remote) => expect(accepts(remote)).toBe(false));

  it('says what a remote may look like, and what a pattern wants instead of "expected regex"', async () => {
    await expect(parseConfigText('presence:\n  remote: "ext::foo"\n', '/etc/nodegrid/config.yaml')).rejects.toThrow(
      /presence\.remote: expected a git remote: git@host:path \(ssh, scp-like\), ssh:\/\/\[user@\]host\[:port\]\/path, git:\/\/host\/path, http\(s\):\/\/host\/path, file:\/\/\/path, or an absolute \/path/,
    );
    await expect(parseConfigText('presence:\n  branch: "a..b"\n', '/etc/nodegrid/config.yaml')).rejects.toThrow('presence.branch: expected a branch name');
    await expect(parseConfigText('presence:\n  remotes: [{name: "a b", url: "/srv/p.git"}]\n', '/etc/nodegrid/config.yaml')).rejects.toThrow('presence.remotes[0].name: expected a remote name: 1-64 characters');
  });
});

describe('presence.author: what git would refuse on every commit', () => {
  const accepted = (name: string, email = 'ops@example.com'): boolean => presenceSection.safeParse({ author: { name, email } }).success;

  it('refuses names git rejects or rewrites, keeps the others', () => {
    for (const name of ['<>', '...', ';,', ' ', 'a<b', 'ops <ops@example.com>', 'a\nb']) expect(accepted(name), JSON.stringify(name)).toBe(false);
    for (const name of ['nodegrid', 'Grid Ops', 'é', '_', 'ops.bot']) expect(accepted(name), JSON.stringify(name)).toBe(true);
    expect(accepted('ops', 'a b@example.com')).toBe(false);
    expect(accepted('ops', '<ops@example.com>')).toBe(false);
  });
});
