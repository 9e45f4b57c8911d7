import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin, runCli, type TestNode } from '../helpers/cli';
import { loadTracer, type LoadTracer } from '../helpers/load-tracer';

/**
 * The launcher (src/launcher.ts) loads the program through V8's code cache
 * kept under the home. Each test runs the built launcher as users do and
 * looks at what it leaves in $NODEGRID_HOME/cache.
 */
const roots: string[] = [];
const tracers: LoadTracer[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  for (const tracer of tracers.splice(0)) tracer.remove();
});

function traced(): LoadTracer {
  const tracer = loadTracer();
  tracers.push(tracer);
  return tracer;
}

function node(): TestNode {
  const made = makeTestNode('nodegrid-cache-');
  roots.push(made.root);
  fs.mkdirSync(made.home, { recursive: true });
  return made;
}

/** Every file under $HOME/cache, as paths relative to it (the code caches, config.json, anything else). */
function caches(home: string): string[] {
  const dir = path.join(home, 'cache');
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => fs.statSync(path.join(dir, name)).isFile()).sort()) : [];
}

/** The cache of the program file for a command. */
function programCache(home: string, command: string): string {
  const found = caches(home).find((name) => name.endsWith(`${path.sep}${command}${path.sep}nodegrid-main.bin`));
  expect(found, `a cache of nodegrid-main.cjs for ${command} in ${caches(home).join(', ')}`).toBeDefined();
  return path.join(home, 'cache', found!);
}

async function ok(n: TestNode, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await n.run(args, { env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('the code cache', () => {
  it('is written by the first run of a command, a file per bundle file it loaded, mode 0600, and used as it is by the next', async () => {
    const n = node();
    await ok(n, ['init', '--id', 'i-cac4e001']);
    await ok(n, ['state', 'set', 'setup']);
    const codeCaches = (): string[] => caches(n.home).filter((name) => name !== 'config.json');
    const names = codeCaches();
    expect(names.every((name) => /^v8-code-v\d+\.\d+\.\d+-\w+-\d+-\d+\/(init|state)\/[\w-]+\.bin$/.test(name)), names.join(', ')).toBe(true);
    const state = names.filter((name) => name.includes('/state/'));
    expect(state.length).toBeGreaterThan(1); // the program and the state command's chunk at least
    const file = programCache(n.home, 'state');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const before = fs.statSync(file);
    expect(await ok(n, ['state', 'set', 'initdone'])).toContain('setup -> initdone');
    const after = fs.statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(codeCaches()).toEqual(names);
  });

  it('a damaged cache is compiled around and replaced; the command does what it always does', async () => {
    const n = node();
    await ok(n, ['init', '--id', 'i-cac4e002']);
    const file = programCache(n.home, 'init');
    fs.writeFileSync(file, Buffer.alloc(4096, 7), { mode: 0o600 });
    expect(await ok(n, ['init', '--id', 'i-cac4e002'])).toContain('wrote instance-id.txt');
    expect(fs.readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('a cache others could have written is not used, and is replaced by one of our own', async () => {
    const n = node();
    await n.run(['state']);
    const file = programCache(n.home, 'state');
    const planted = Buffer.alloc(4096, 1);
    fs.writeFileSync(file, planted);
    fs.chmodSync(file, 0o666);
    await n.run(['state']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).equals(planted)).toBe(false);
  });

  it('a new build replaces the caches of the old one', async () => {
    const n = node();
    const old = path.join(n.home, 'cache', 'v8-code-v20.0.0-x64-1-1', 'state');
    fs.mkdirSync(old, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(old, 'nodegrid-main.bin'), 'old build', { mode: 0o600 });
    fs.writeFileSync(path.join(n.home, 'cache', 'notes.txt'), 'not ours to remove');
    await n.run(['state']);
    expect(fs.existsSync(path.join(n.home, 'cache', 'v8-code-v20.0.0-x64-1-1'))).toBe(false);
    expect(caches(n.home)).toContain('notes.txt');
    programCache(n.home, 'state');
  });

  it('goes where --home says, is never a reason to create a home, and NODEGRID_CODE_CACHE=0 turns it off', async () => {
    const n = node();
    const flagged = path.join(n.root, 'flag-home');
    fs.mkdirSync(flagged);
    expect((await n.run(['--home', flagged, '--version'])).code).toBe(0);
    // --version loads no command: the program alone.
    expect(caches(flagged)).toEqual([expect.stringMatching(/\/none\/nodegrid-main\.bin$/)]);

    const missing = path.join(n.root, 'no-such-home');
    const version = await runCli(['--version'], { env: { NODEGRID_HOME: missing } });
    expect(version.code, version.stderr).toBe(0);
    expect(fs.existsSync(missing)).toBe(false);

    await ok(n, ['--version'], { NODEGRID_CODE_CACHE: '0' });
    expect(caches(n.home)).toEqual([]);
  });

  it('a lazily loaded command shares the one program instance (the program is loaded once, its chunks take it from there)', async () => {
    const n = node();
    const tracer = traced();
    const presence = path.join(n.root, 'presence', 'it', 'presence', 'all');
    fs.mkdirSync(presence, { recursive: true });
    const result = await n.run(['nodes', '--presence', path.join(n.root, 'presence'), '--json'], { env: tracer.env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    const loaded = tracer.loaded();
    expect(loaded[0]).toBe(nodegridBin());
    expect(loaded.some((file) => file.includes(`${path.sep}chunks${path.sep}`))).toBe(true);
    expect(loaded.filter((file) => file.endsWith('nodegrid-main.cjs'))).toHaveLength(1);
  });
});

describe('the validated config', () => {
  const SECRET = 'tokenEXAMPLEnotInTheCache42';
  /** The chunk holding the config schema: where its descriptions are. */
  function schemaChunk(): string {
    const chunks = path.join(path.dirname(nodegridBin()), 'chunks');
    const found = fs.readdirSync(chunks).filter((name) => fs.readFileSync(path.join(chunks, name), 'utf8').includes('Folder of one-value identity files'));
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it('is kept once validated, so the next start with the same config never loads the schema; no secret of the config is in it', async () => {
    const n = node();
    n.writeConfig(`chat:\n  destinations:\n    - name: ops\n      type: slack\n      url: http://127.0.0.1:9/services/T0/B0/${SECRET}\n      minSeverity: critical\n`);
    await ok(n, ['init', '--id', 'i-cac4e010']);
    const kept = path.join(n.home, 'cache', 'config.json');
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(kept, 'utf8')).not.toContain(SECRET);

    const tracer = traced();
    const info = await n.run(['info', '--json'], { env: tracer.env });
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).sinks).toEqual(['chat:ops']);
    expect(tracer.loaded().filter((file) => file.endsWith(schemaChunk()))).toEqual([]);
  });

  it('any change to the config file is validated again: a mistake is reported as ever, and a fix is taken', async () => {
    const n = node();
    n.writeConfig({ outbox: { maxPerSink: 500 } });
    await ok(n, ['init', '--id', 'i-cac4e011']);
    const stat = fs.statSync(n.configFile);
    n.writeConfig({ outbox: { maxPerSink: 'x00' } });
    // Same mtime and same length: only the text tells the two apart.
    fs.utimesSync(n.configFile, stat.atime, stat.mtime);
    const refused = await n.run(['info']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('outbox.maxPerSink: expected number');
    n.writeConfig({ outbox: { maxPerSink: 700 } });
    expect(JSON.parse(await ok(n, ['info', '--json'])).paths.config.exists).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(n.home, 'cache', 'config.json'), 'utf8')).config.outbox.maxPerSink).toBe(700);
  });
});

