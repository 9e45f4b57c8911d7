import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGitThen } from '../../src/git/run';

/** Two gits through one shell, with a real git on real repos. */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-git-then-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

function repo(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  git(dir, 'init', '-q');
  fs.writeFileSync(path.join(dir, 'f'), 'x\n');
  git(dir, 'add', 'f');
  git(dir, 'commit', '-q', '-m', 'one');
  return dir;
}

describe('runGitThen', () => {
  it('runs the second git when the first succeeded, and keeps their outputs apart', async () => {
    const dir = repo('plain');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const { first, then } = await runGitThen(['-C', dir, 'rev-parse', '--abbrev-ref', 'HEAD'], ['-C', dir, 'rev-parse', 'HEAD'], { timeoutMs: 30_000 });
    expect(first).toMatchObject({ code: 0, stdout: 'main\n' });
    expect(then).toMatchObject({ code: 0, stdout: `${head}\n` });
  });

  it('does not run the second when the first failed, and says how the first failed', async () => {
    const dir = repo('failing');
    const marker = path.join(root, 'second-ran');
    const { first, then } = await runGitThen(['-C', dir, 'fetch', '--quiet', 'no-such-remote'], ['-C', dir, 'config', 'nodegrid.marker', marker], { timeoutMs: 30_000 });
    expect(then).toBeUndefined();
    expect(first.code).toBe(128);
    expect(first.stderr).toContain("'no-such-remote' does not appear to be a git repository");
    // `git config --get` of an unset key exits 1: the second never ran.
    expect(() => git(dir, 'config', '--get', 'nodegrid.marker')).toThrow();
  });

  it('hands every argument to git as it is: quotes, $(…), ; and spaces are never shell syntax', async () => {
    const dir = repo("it's a $(touch pwned); repo");
    const { then } = await runGitThen(['-C', dir, 'status', '--short'], ['-C', dir, 'log', '-1', "--format=%s '$(id)' `x` ; && |"], { timeoutMs: 30_000 });
    expect(then).toMatchObject({ code: 0, stdout: "one '$(id)' `x` ; && |\n" });
    expect(fs.existsSync(path.join(root, 'pwned'))).toBe(false);
    expect(fs.existsSync('pwned')).toBe(false);
  });
});
