import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { createBareRepo, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { presenceNode } from '../helpers/presence';

/** `nodes --watch` against a real git daemon: it redraws when the grid changes, and only then. */
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
let url: string;
let writer: TestNode;
let reader: TestNode;
let watcher: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  createBareRepo(repos.dir, 'grid.git');
  url = daemon.url('grid.git');
  writer = await presenceNode(url, 'i-0a7c4e11');
  reader = makeTestNode('nodegrid-watch-');
  const setup = await writer.run(['state', 'set', 'setup']);
  expect(setup.code, setup.stderr).toBe(0);
});
afterEach(() => watcher?.kill('SIGKILL'));
afterAll(async () => {
  await daemon?.stop();
  repos?.remove();
  for (const node of [writer, reader]) if (node) fs.rmSync(node.root, { recursive: true, force: true });
});

/** Collects the watcher's output; `until` resolves when its stdout matches, with a generous bound for a busy machine. */
function startWatch(args: string[]) {
  const child = spawn(process.execPath, [nodegridBin(), 'nodes', '--watch', '--interval', '1s', '--remote', url, ...args], { env: { ...cleanEnv(), ...reader.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  watcher = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  const until = async (pattern: RegExp, timeoutMs = 45_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`watch output never matched ${pattern}:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, ended, until, stdout: () => stdout, stderr: () => stderr };
}

describe('nodegrid nodes --watch', () => {
  it('prints the grid, prints it again when a node changes state, and ends with 0 on Ctrl-C', async () => {
    const watch = startWatch(['-o', 'json']);
    await watch.until(/"state":"setup"/);
    const pictures = () => watch.stdout().trim().split('\n');
    // It reads every second, but nothing changed: still one picture a few reads later.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(pictures()).toHaveLength(1);

    const initdone = await writer.run(['state', 'set', 'initdone', '--note', 'init took 104 s']);
    expect(initdone.code, initdone.stderr).toBe(0);
    await watch.until(/"state":"initdone"/);
    const shown = pictures().map((line) => (JSON.parse(line) as Array<{ state: string; note: string | null }>)[0]);
    expect(shown.at(-1)).toMatchObject({ state: 'initdone', note: 'init took 104 s' });
    expect(shown.map((node) => node?.state)).toEqual(['setup', 'initdone']);
    // Piped, each new picture is marked on stderr with the time it was read.
    expect(watch.stderr()).toMatch(/^-- \d{4}-\d{2}-\d{2}T/m);

    watch.child.kill('SIGINT');
    expect(await watch.ended).toBe(0);
  });

  it('keeps watching through a remote that cannot be read, and shows the grid again when it can', async () => {
    const watch = startWatch([]);
    await watch.until(/i-0a7c4e11/);
    await daemon.stop();
    const failing = Date.now();
    while (!watch.stderr().includes('reading the grid failed; trying again in 1 s')) {
      if (Date.now() - failing > 45_000) throw new Error(`no failed read reported:\n${watch.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(watch.child.exitCode).toBeNull();
    await daemon.start();
    const done = await writer.run(['state', 'set', 'running']);
    expect(done.code, done.stderr).toBe(0);
    await watch.until(/i-0a7c4e11\s+\S+\s+running/);
    watch.child.kill('SIGTERM');
    expect(await watch.ended).toBe(0);
  });

  it('refuses --watch with --now, and an interval under a second, before reading anything', async () => {
    for (const args of [['--now', '2015-10-08T21:13:00Z'], ['--interval', '100ms']]) {
      const r = await reader.run(['nodes', '--watch', ...args, '--remote', 'git://127.0.0.1:1/none.git']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toContain('cannot read presence');
    }
  });
});
