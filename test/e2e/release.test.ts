import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { nodegridBin, type CliResult } from '../helpers/cli';
import { remoteFile } from '../helpers/presence';
import { bundleDir, npmEnv, packRelease, tarballFiles } from '../helpers/release';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-release-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A process with nothing but what a bare machine has: node and git on PATH, a HOME, the node's paths. */
function runBare(command: string, args: string[], cwd: string, extra: Record<string, string>): Promise<CliResult> {
  const env = { PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: path.join(tmp, 'home'), NO_COLOR: '1', ...extra };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

describe('the release: dist/ alone', () => {
  it('resolves every import and require() inside itself, Node built-ins aside', async () => {
    // esbuild follows every static import, dynamic import() and require() of the copied files
    // and fails on one it cannot resolve there; strings that merely name modules do not count.
    // The launcher reads the program as a file rather than require() it, so the program is an entry point here too.
    const copy = path.join(tmp, 'resolve-check');
    fs.cpSync(bundleDir(), copy, { recursive: true });
    const result = await build({ entryPoints: Object.fromEntries(['nodegrid.cjs', 'nodegrid-main.cjs', 'nodegrid.mjs'].map((name) => [name.replace('.', '-'), path.join(copy, name)])), bundle: true, write: false, platform: 'node', format: 'esm', metafile: true, logLevel: 'silent', outdir: path.join(tmp, 'resolve-out') });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(3); // the entry and its chunks
    expect(inputs.every((input) => path.resolve(input).startsWith(copy))).toBe(true);
    const external = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && !isBuiltin(i.path) && i.path !== '<runtime>').map((i) => i.path));
    expect(external).toEqual([]);
  });

  it('runs state set, presence push and nodes --remote from a copy in an empty folder, with no node_modules anywhere above it', async () => {
    const release = path.join(tmp, 'bare-machine', 'opt', 'nodegrid');
    fs.cpSync(bundleDir(), release, { recursive: true });
    expect(walk(release).some((file) => file.includes('node_modules'))).toBe(false);
    for (let dir = release; dir !== path.dirname(dir); dir = path.dirname(dir)) expect(fs.existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);

    const presence = path.join(tmp, 'presence.git');
    execFileSync('git', ['init', '--bare', '-q', '-b', 'main', presence]);
    const node = path.join(tmp, 'bare-machine', 'node');
    fs.mkdirSync(node, { recursive: true });
    // YAML, so the lazily loaded parser chunk has to load from the copy too.
    fs.writeFileSync(path.join(node, 'config.yaml'), `presence:\n  remote: ${presence}\n`);
    const env = { NODEGRID_CONFIG: path.join(node, 'config.yaml'), NODEGRID_NODEINFO: path.join(node, 'nodeinfo'), NODEGRID_HOME: path.join(node, 'home') };
    const run = (...args: string[]): Promise<CliResult> => runBare(process.execPath, [path.join(release, 'nodegrid.cjs'), ...args], release, env);

    expect((await run('init', '--id', 'i-0e1ea5e0', '--deployment', 'fed1', '--nodepart', 'app1')).code).toBe(0);
    const set = await run('state', 'set', 'setup');
    expect(set.code, set.stderr).toBe(0);
    const push = await run('presence', 'push');
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(remoteFile(presence, 'main', 'it/presence/all/i-0e1ea5e0.json') ?? '{}').value).toMatchObject({ state: 'setup' });
    const nodes = await run('nodes', '--remote', presence, '--json');
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(JSON.parse(nodes.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'i-0e1ea5e0', state: 'setup' })]));
    // The executable's old name, which cron lines written before still run.
    const old = await runBare(process.execPath, [path.join(release, 'nodegrid.mjs'), 'state'], release, env);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toContain('setup since');
  });
});

describe('the release: npm pack', () => {
  it('packs dist/ alone, with no dependencies to fetch, and its bin works after an offline global install', async () => {
    const work = path.join(tmp, 'pack');
    fs.mkdirSync(work);
    const tgz = packRelease(work);
    expect(path.basename(tgz)).toBe(`nodegrid-${pkg.version}.tgz`);
    const files = tarballFiles(tgz);
    expect(files.filter((file) => !file.startsWith('dist/'))).toEqual(expect.arrayContaining(['package.json', 'README.md']));
    expect(files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(file))).toEqual([]);
    expect(files).toContain(pkg.bin.nodegrid);
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }));
    expect(packed.dependencies ?? {}).toEqual({}); // everything is bundled into dist/

    const prefix = path.join(work, 'global');
    // An empty cache and --offline: any fetch would fail the install.
    execFileSync('npm', ['install', '--global', '--offline', '--prefix', prefix, tgz], { env: npmEnv(work), stdio: ['ignore', 'pipe', 'pipe'] });
    const bin = path.join(prefix, 'bin', 'nodegrid');
    const node = path.join(work, 'node');
    const env = { NODEGRID_NODEINFO: path.join(node, 'nodeinfo'), NODEGRID_HOME: path.join(node, 'home'), NODEGRID_CONFIG: path.join(node, 'none.json') };
    fs.mkdirSync(node);
    fs.writeFileSync(env.NODEGRID_CONFIG, '{}\n');
    const version = await runBare(bin, ['--version'], work, env);
    expect(version.stdout.trim()).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')} \\([0-9a-f]{12}\\)$`));
    await runBare(bin, ['init', '--id', 'i-0pack001'], work, env);
    const set = await runBare(bin, ['state', 'set', 'setup'], work, env);
    expect(set.code, set.stderr).toBe(0);
    expect(fs.readFileSync(path.join(node, 'nodeinfo', 'state.txt'), 'utf8')).toBe('setup\n');
  });
});

describe('nodegrid --version', () => {
  it('prints the package version and the commit of this repository the bundle was built from', async () => {
    const result = await runBare(process.execPath, [nodegridBin(), '--version'], tmp, {});
    expect(result.code).toBe(0);
    const match = /^(\S+) \(([0-9a-f]{12})\)\n$/.exec(result.stdout);
    expect(match?.[1]).toBe(pkg.version);
    // A commit of this repository (HEAD may have moved on since the bundle was built).
    expect(execFileSync('git', ['cat-file', '-t', match![2]!], { cwd: repoRoot, encoding: 'utf8' }).trim()).toBe('commit');
  });
});
