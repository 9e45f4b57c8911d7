import { describe, expect, it } from 'vitest';
import { plainAuthFailure, remoteAccess } from '../../src/git/credentials';
import { lastWords } from '../../src/git/run';
import { presenceRemote } from '../../src/presence/git/remotes';

const basic = (userAndPassword: string): string => `Authorization: Basic ${Buffer.from(userAndPassword, 'utf8').toString('base64')}`;

describe('remoteAccess: credentials out of the URL git sees, into its environment', () => {
  it('strips user:password from an http(s) URL and hands them to git as a Basic header for that URL', () => {
    const access = remoteAccess('http://user:s3cr3t-pass@127.0.0.1:8080/grid.git');
    expect(access.argvUrl).toBe('http://127.0.0.1:8080/grid.git');
    expect(access.env).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.http://127.0.0.1:8080/grid.git.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.http://127.0.0.1:8080/grid.git.extraHeader',
      GIT_CONFIG_VALUE_1: basic('user:s3cr3t-pass'),
    });
    expect(access.secrets).toContain(basic('user:s3cr3t-pass'));
  });

  it('percent-decodes the user and password as git does, leaving "+" and a stray "%" alone', () => {
    const access = remoteAccess('https://me%40corp:p%3Ass%2Fw%C3%A4rd+1%zz@git.example.com/acme/p.git');
    expect(access.argvUrl).toBe('https://git.example.com/acme/p.git');
    expect(access.env.GIT_CONFIG_VALUE_1).toBe(basic('me@corp:p:ss/wärd+1%zz'));
    expect(remoteAccess('https://u:w%C3%A4rd@h/x').env.GIT_CONFIG_VALUE_1).toBe(remoteAccess('https://u:wärd@h/x').env.GIT_CONFIG_VALUE_1);
  });

  it('sends a bare token as the user with an empty password (what git sends for https://TOKEN@host)', () => {
    const access = remoteAccess('https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/grid.git');
    expect(access.argvUrl).toBe('https://github.com/acme/grid.git');
    expect(access.env.GIT_CONFIG_VALUE_1).toBe(basic('ghp_abcdefghijklmnopqrstuvwxyz0123456789:'));
    expect(remoteAccess('https://oauth2:glpat-xyz@gitlab.com/a/b.git').env.GIT_CONFIG_VALUE_1).toBe(basic('oauth2:glpat-xyz'));
  });

  it('leaves nothing of a password holding an unencoded "@" in the URL git sees', () => {
    const access = remoteAccess('https://u:p@ss@host:8443/x.git');
    expect(access.argvUrl).toBe('https://host:8443/x.git');
    expect(access.env.GIT_CONFIG_VALUE_1).toBe(basic('u:p@ss'));
    expect(access.secrets).toContain('u:p@ss');
  });

  it.each([
    'git@github.com:acme/grid-presence.git',
    'ssh://git@git.example.com:2222/acme/p.git',
    'git://127.0.0.1:9418/grid.git',
    'file:///srv/git/p.git',
    '/srv/git/p.git',
    'https://git.example.com/acme/p.git',
    'http://127.0.0.1:8080/user@example/x.git',
  ])('hands %s to git unchanged, with no environment', (url) => {
    expect(remoteAccess(url)).toEqual({ argvUrl: url, env: {}, secrets: [] });
  });

  it('gives a presence remote the stripped URL for git, the environment, and every form of the secret to redact', () => {
    const remote = presenceRemote('origin', 'https://user:tok3n-secret@git.example.com/acme/p.git');
    expect(remote.url).toBe('https://git.example.com/acme/p.git');
    expect(remote.shownUrl).toBe('https://****@git.example.com/acme/p.git');
    expect(remote.gitEnv.GIT_CONFIG_VALUE_1).toBe(basic('user:tok3n-secret'));
    expect(remote.secrets).toEqual(expect.arrayContaining(['tok3n-secret', 'user:tok3n-secret', basic('user:tok3n-secret')]));
    expect(presenceRemote('x', 'git@github.com:acme/p.git')).toMatchObject({ url: 'git@github.com:acme/p.git', gitEnv: {}, secrets: [] });
  });
});

describe('a 401 with nobody left to ask, said plainly', () => {
  it('turns "could not read Username … terminal prompts disabled" into an authentication failure', () => {
    const stderr = "fatal: could not read Username for 'http://127.0.0.1:8080': terminal prompts disabled\n";
    expect(lastWords(stderr)).toBe("fatal: Authentication failed for 'http://127.0.0.1:8080' (HTTP 401): the server refused the user and password in the remote URL, or the URL has none");
    expect(plainAuthFailure('fatal: unable to access x')).toBe('fatal: unable to access x');
  });
});
