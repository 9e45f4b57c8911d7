import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestNode } from '../helpers/cli';

/**
 * Config files that would exhaust memory, hang, or be accepted and then fail
 * every commit forever: each refused at load time with exit 2 and the file's
 * name. Every run has a timeout, so a hang fails the test instead of stalling it.
 */
const node = makeTestNode('nodegrid-config-hostile-');
const RUN = { timeoutMs: 15_000 };
afterAll(() => fs.rmSync(node.root, { recursive: true, force: true }));

describe('config files that are not config files', () => {
  it('refuses a 100 MB config (valid JSON) without reading it', async () => {
    const big = path.join(node.root, 'big.json');
    const fd = fs.openSync(big, 'w');
    fs.writeSync(fd, '{}');
    const spaces = Buffer.alloc(4 * 1024 * 1024, 0x20);
    for (let i = 0; i < 25; i++) fs.writeSync(fd, spaces);
    fs.closeSync(fd);
    const r = await node.run(['--config', big, 'info'], RUN);
    fs.rmSync(big);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`config file ${big} is 100.0 MiB; a config may be at most 1 MiB`);
  });

  it('refuses /dev/zero and a FIFO at once, naming them', async () => {
    const fifo = path.join(node.root, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const [zero, pipe] = await Promise.all([node.run(['--config', '/dev/zero', 'info'], RUN), node.run(['info'], { ...RUN, env: { NODEGRID_CONFIG: fifo } })]);
    expect(zero.signal).toBeNull();
    expect(zero.code, zero.stderr).toBe(2);
    expect(zero.stderr).toContain('config file /dev/zero is a character device, not a regular file');
    expect(pipe.signal, 'a FIFO must not hang').toBeNull();
    expect(pipe.code, pipe.stderr).toBe(2);
    expect(pipe.stderr).toContain(`config file ${fifo} is a FIFO (named pipe), not a regular file`);
  });
});

describe('config values git would refuse later, forever', () => {
  it.each(['<>', '...', 'ops <ops@example.com>'])('refuses presence.author.name %j, saying what git accepts', async (name) => {
    node.writeConfig({ presence: { remote: '/srv/git/presence.git', author: { name, email: 'ops@example.com' } } });
    const r = await node.run(['info'], RUN);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`config file ${node.configFile}: presence.author.name: expected a name git accepts`);
    expect(r.stderr).toContain('no <, > or control characters');
  });

  it.each(['grid presence.git', 'ext::sh -c touch% /tmp/nodegrid-pwned', 'fd::3', 'relative/grid.git'])('refuses presence.remote %j, listing the forms a remote may take', async (remote) => {
    node.writeConfig({ presence: { remote } });
    const r = await node.run(['info'], RUN);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('presence.remote: expected a git remote: git@host:path (ssh, scp-like), ssh://');
    expect(r.stderr).toContain('file:///path, or an absolute /path');
    expect(r.stderr).not.toContain('expected regex');
  });

  it('accepts the forms it lists', async () => {
    for (const remote of ['git@github.com:acme/grid-presence.git', 'ssh://git@git.example.com:2222/acme/p.git', 'git://127.0.0.1/grid.git', 'https://git.example.com/acme/p.git', 'file:///srv/git/p.git', '/srv/git/p.git']) {
      node.writeConfig({ presence: { remote, author: { name: 'Grid Ops', email: 'ops@example.com' } } });
      const r = await node.run(['info'], RUN);
      expect(r.code, `${remote}: ${r.stderr}`).toBe(0);
    }
  });
});
