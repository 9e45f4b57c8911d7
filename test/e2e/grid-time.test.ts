import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { presenceNode } from '../helpers/presence';

const ID = 'i-4e7cb59a';
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
let writer: TestNode;
let reader: TestNode;
let url: string;
let setupAt: Date;
let beatMinute: string;

/** Commit times have one-second resolution: the next change must land in a later second than `after`. */
async function nextSecond(after: Date): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Math.floor(after.getTime() / 1000)) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  createBareRepo(repos.dir, 'grid.git');
  url = daemon.url('grid.git');
  writer = await presenceNode(url, ID);
  const run = async (...args: string[]): Promise<string> => {
    const r = await writer.run(args);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  await run('state', 'set', 'setup');
  const beat = JSON.parse(await run('presence', 'heartbeat', '--force', '--json')) as { minute: string };
  beatMinute = beat.minute;
  const committed = gitSync(['--git-dir', path.join(repos.dir, 'grid.git'), 'log', '-1', '--format=%ct', 'main', '--', `it/presence/all/${ID}.json`]).trim();
  setupAt = new Date(Number(committed) * 1000);
  await nextSecond(setupAt);
  await run('state', 'set', 'initdone');
  reader = makeTestNode('nodegrid-reader-');
});
afterAll(async () => {
  await daemon?.stop();
  repos?.remove();
  for (const n of [writer, reader]) if (n) fs.rmSync(n.root, { recursive: true, force: true });
});

describe('time travel on a presence repository written by real nodes', () => {
  it('history lists every state with the commit that carried it', async () => {
    const r = await reader.run(['history', ID, '--remote', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const history = JSON.parse(r.stdout) as { states: Array<{ state: string; commit: string | null }>; versions: number; limits: string[] };
    expect(history.states.map((s) => s.state)).toEqual(['setup', 'initdone']);
    expect(history.states.every((s) => s.commit !== null && /^[0-9a-f]{40}$/.test(s.commit))).toBe(true);
    expect(history.limits).toEqual([]);
  });

  it('at TIME gives the state committed by then, not today\'s', async () => {
    const today = await reader.run(['nodes', '--remote', url, '--json']);
    expect((JSON.parse(today.stdout) as Array<{ state: string }>)[0]!.state).toBe('initdone');

    const r = await reader.run(['at', setupAt.toISOString(), '--remote', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const at = JSON.parse(r.stdout) as { minute: string; nodes: Array<{ id: string; state: string; beat: boolean }> };
    expect(at.nodes).toEqual([expect.objectContaining({ id: ID, state: 'setup', beat: at.minute === beatMinute })]);

    const before = await reader.run(['at', new Date(setupAt.getTime() - 3_600_000).toISOString(), '--remote', url, '--json']);
    expect((JSON.parse(before.stdout) as { nodes: unknown[] }).nodes).toEqual([]);
  });

  it('on a plain folder says what it cannot answer', async () => {
    const plain = path.join(reader.root, 'plain');
    gitSync(['clone', '--quiet', '--branch', 'main', path.join(repos.dir, 'grid.git'), plain]);
    fs.rmSync(path.join(plain, '.git'), { recursive: true, force: true });
    const history = await reader.run(['history', ID, '--presence', plain]);
    expect(history.code).toBe(0);
    expect(history.stderr).toContain('has no git history: states come from the current document\'s statelog only');
    expect(history.stdout).toMatch(/setup[\s\S]*initdone/);
    const at = await reader.run(['at', setupAt.toISOString(), '--presence', plain, '--json']);
    expect(at.code).toBe(0);
    expect(at.stderr).toContain('has no git history');
  });

  it('takes now, relative and ISO times in at, --now and --since', async () => {
    // "now" and "0 minutes ago" are today's grid; an hour ago the node did not exist yet.
    const nowAt = await reader.run(['at', 'now', '--remote', url, '--json']);
    expect(nowAt.code, nowAt.stderr).toBe(0);
    expect((JSON.parse(nowAt.stdout) as { nodes: Array<{ state: string }> }).nodes.map((n) => n.state)).toEqual(['initdone']);
    for (const past of [['--', '-1h'], ['1h'], ['60 minutes ago']]) {
      const r = await reader.run(['at', '--remote', url, '--json', ...past]);
      expect(r.code, `${past.join(' ')}: ${r.stderr}`).toBe(0);
      expect((JSON.parse(r.stdout) as { nodes: unknown[] }).nodes, past.join(' ')).toEqual([]);
    }

    // --now: a day later the node has long been silent.
    const later = await reader.run(['nodes', '--remote', url, '--now', new Date(Date.now() + 86_400_000).toISOString(), '--json']);
    expect(later.code, later.stderr).toBe(0);
    expect((JSON.parse(later.stdout) as Array<{ health: string }>)[0]!.health).toBe('stale');
    const relative = await reader.run(['nodes', '--remote', url, '--now', '-0m', '--json']);
    expect(relative.code, relative.stderr).toBe(0);
    expect((JSON.parse(relative.stdout) as Array<{ state: string }>)[0]!.state).toBe('initdone');

    // --since: only the states entered since then, in presence's history and on the node itself.
    const since = new Date(setupAt.getTime() + 1000).toISOString();
    const history = await reader.run(['history', ID, '--remote', url, '--since', since, '--json']);
    expect(history.code, history.stderr).toBe(0);
    expect((JSON.parse(history.stdout) as { states: Array<{ state: string }> }).states.map((s) => s.state)).toEqual(['initdone']);
    const all = await reader.run(['history', ID, '--remote', url, '--since', '1 day ago']);
    expect(all.stdout).toMatch(/setup[\s\S]*initdone/);
    const log = await writer.run(['state', 'log', '--since', since, '--json']);
    expect(log.code, log.stderr).toBe(0);
    expect((JSON.parse(log.stdout) as Array<{ state: string }>).map((s) => s.state)).toEqual(['initdone']);
    const none = await writer.run(['state', 'log', '--since', 'now']);
    expect(none.stderr).toMatch(/no state changes since .* \(2 before\)/);
  });

  it('refuses a time it cannot read, naming the flag and the forms it takes, before reading presence', async () => {
    for (const args of [['at', 'yesterday'], ['nodes', '--now', '10 parsecs ago'], ['history', ID, '--since', '2015-02-30T10:00'], ['state', 'log', '--since', 'soon']]) {
      const r = await reader.run([...args, '--remote', 'git://127.0.0.1:1/nothing.git'].slice(0, args[0] === 'state' ? args.length : undefined));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/is not a time: use now, -10m, 2h, "10 minutes ago"/);
      expect(r.stderr).not.toContain('127.0.0.1:1');
    }
  });
});
