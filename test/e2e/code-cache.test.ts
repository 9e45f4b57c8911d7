import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin, runCli, type TestNode } from '../helpers/cli';

/**
 * The launcher (src/launcher.ts) loads the program through V8's code cache
 * kept under the home. Each test runs the built launcher as users do and
 * looks at what it leaves in $NODEGRID_HOME/cache.
 */
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function node(): TestNode {
  const made = makeTestNode('nodegrid-cache-');
  roots.push(made.root);
  fs.mkdirSync(made.home, { recursive: true });
  return made;
}

function caches(home: string): string[] {
  const dir = path.join(home, 'cache');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

async function ok(n: TestNode, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await n.run(args, { env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('the code cache', () => {
  it('is written by the first run of a command, one file per command, mode 0600, and used as it is by the next', async () => {
    const n = node();
    await ok(n, ['init', '--id', 'i-cac4e001']);
    await ok(n, ['state', 'set', 'setup']);
    const [init, state] = caches(n.home);
    expect(init).toMatch(/^v8-code-v\d+\.\d+\.\d+-\w+-\d+-\d+-init\.bin$/);
    expect(state).toMatch(/-state\.bin$/);
    const file = path.join(n.home, 'cache', state!);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(n.home, 'cache')).mode & 0o777).toBe(0o700);
    const before = fs.statSync(file);
    expect(await ok(n, ['state', 'set', 'initdone'])).toContain('setup -> initdone');
    const after = fs.statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('a damaged cache is compiled around and replaced; the command does what it always does', async () => {
    const n = node();
    await ok(n, ['init', '--id', 'i-cac4e002']);
    const [file] = caches(n.home).map((name) => path.join(n.home, 'cache', name));
    fs.writeFileSync(file!, Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(await ok(n, ['init', '--id', 'i-cac4e002'])).toContain('wrote instance-id.txt');
    expect(fs.readFileSync(file!).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('a cache others could have written is not used, and is replaced by one of our own', async () => {
    const n = node();
    await n.run(['state']);
    const [name] = caches(n.home);
    const file = path.join(n.home, 'cache', name!);
    const planted = Buffer.alloc(4096, 1);
    fs.writeFileSync(file, planted);
    fs.chmodSync(file, 0o666);
    await n.run(['state']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).equals(planted)).toBe(false);
  });

  it('a new build replaces the caches of the old one', async () => {
    const n = node();
    fs.mkdirSync(path.join(n.home, 'cache'), { mode: 0o700 });
    fs.writeFileSync(path.join(n.home, 'cache', 'v8-code-v20.0.0-x64-1-1-state.bin'), 'old build', { mode: 0o600 });
    fs.writeFileSync(path.join(n.home, 'cache', 'notes.txt'), 'not ours to remove');
    await n.run(['state']);
    expect(caches(n.home).filter((name) => name.startsWith('v8-code-v20.0.0'))).toEqual([]);
    expect(caches(n.home)).toContain('notes.txt');
    expect(caches(n.home).some((name) => name.endsWith('-state.bin'))).toBe(true);
  });

  it('goes where --home says, is never a reason to create a home, and NODEGRID_CODE_CACHE=0 turns it off', async () => {
    const n = node();
    const flagged = path.join(n.root, 'flag-home');
    fs.mkdirSync(flagged);
    expect((await n.run(['--home', flagged, '--version'])).code).toBe(0);
    expect(caches(flagged)).toEqual([expect.stringMatching(/-none\.bin$/)]);

    const missing = path.join(n.root, 'no-such-home');
    const version = await runCli(['--version'], { env: { NODEGRID_HOME: missing } });
    expect(version.code, version.stderr).toBe(0);
    expect(fs.existsSync(missing)).toBe(false);

    await ok(n, ['--version'], { NODEGRID_CODE_CACHE: '0' });
    expect(caches(n.home)).toEqual([]);
  });

  it('a lazily loaded command shares the one program instance (its chunk never loads the program a second time)', async () => {
    const n = node();
    const log = path.join(n.root, 'loaded.txt');
    const trace = path.join(n.root, 'trace.cjs');
    fs.writeFileSync(
      trace,
      `const fs = require('node:fs');\nconst Module = require('node:module');\nconst load = Module.prototype.load;\nModule.prototype.load = function (filename) {\n  fs.appendFileSync(${JSON.stringify(log)}, filename + '\\n');\n  return load.call(this, filename);\n};\n`,
    );
    const presence = path.join(n.root, 'presence', 'it', 'presence', 'all');
    fs.mkdirSync(presence, { recursive: true });
    const result = await n.run(['nodes', '--presence', path.join(n.root, 'presence'), '--json'], { env: { NODE_OPTIONS: `--require=${trace}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    const loaded = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((file) => file.includes(`${path.sep}chunks${path.sep}`))).toBe(true);
    expect(loaded.filter((file) => file.endsWith('nodegrid-main.cjs'))).toEqual([]);
    expect(path.dirname(loaded[0]!)).toBe(path.dirname(nodegridBin()));
  });
});

