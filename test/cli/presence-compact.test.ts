import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatPath } from '../../src/presence/format';
import { formatTss } from '../../src/core/time';
import { cleanEnv, makeTestNode, nodegridBin, readAllFiles, type CliResult, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, makeRepoRoot, startGitDaemon, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { appendBeats, beatsOfDay } from '../helpers/heartbeat-history';
import { pendingPresenceEvents, presenceNode, remoteFile } from '../helpers/presence';

/**
 * `nodegrid presence compact` through the built CLI against `git daemon` on
 * loopback, with real nodes beating into the branch it rewrites. The daemon's
 * access hook runs `<repo>/on-push.sh` (if present) before a push is served,
 * which puts another process's push exactly between compaction's fetch and
 * its push, or a compaction exactly inside a node's delivery.
 */
const HB = 'heartbeats';
const WRITER = 'i-0000beef';
const OTHER = 'i-0000cafe';
const HOOK = `#!/bin/sh
[ "$1" = receive-pack ] || exit 0
# Not for the pushes the script itself makes.
if [ -e "$2/on-push.sh" ] && mkdir "$2/on-push.busy" 2>/dev/null; then
  sh "$2/on-push.sh" >> "$2/on-push.log" 2>&1
  rmdir "$2/on-push.busy"
fi
exit 0
`;

let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
const cleanup: TestNode[] = [];

beforeAll(async () => {
  repos = makeRepoRoot('nodegrid-compact-');
  const hook = path.join(repos.dir, 'access-hook.sh');
  fs.writeFileSync(hook, HOOK, { mode: 0o755 });
  daemon = await startGitDaemon(repos.dir, { accessHook: hook });
});
afterAll(async () => {
  await daemon?.stop();
  repos?.remove();
});
afterEach(() => {
  for (const n of cleanup.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

interface Grid {
  bare: string;
  url: string;
  /** A node beating for real (sub-minute cadence, so every beat is a new commit). */
  writer: TestNode;
  /** Where compaction runs: the operator's machine. */
  operator: TestNode;
}

/** A presence repo whose heartbeat branch has 3 old days of 8 commits, 2 commits of 2 days ago, and the writer's real beats. */
async function grid(name: string, operatorPresence: Record<string, unknown> = { heartbeat: { branch: HB } }): Promise<Grid> {
  const bare = createBareRepo(repos.dir, name);
  const url = daemon.url(name);
  const writer = await presenceNode(url, WRITER, { heartbeat: { branch: HB, everyMinutes: '1s' } });
  cleanup.push(writer);
  expect((await writer.run(['state', 'set', 'setup'])).code).toBe(0);
  const now = new Date();
  appendBeats(bare, HB, [...beatsOfDay(now, 10, [WRITER, OTHER], 4), ...beatsOfDay(now, 9, [WRITER, OTHER], 4), ...beatsOfDay(now, 8, [OTHER], 8), ...beatsOfDay(now, 2, [OTHER], 2)]);
  await beat(writer);
  await beat(writer);
  const operator = makeTestNode('nodegrid-compact-operator-');
  cleanup.push(operator);
  operator.writeConfig({ presence: { remote: url, ...operatorPresence } });
  return { bare, url, writer, operator };
}

interface Beat {
  readonly path: string;
  readonly stamp: string;
}

async function beat(node: TestNode): Promise<Beat> {
  // Sub-minute beats carry their second: a second apart, every beat is a commit of its own.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const result = await node.run(['presence', 'heartbeat', '--force', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return beatOf(result.stdout, node);
}

function beatOf(stdout: string, node: TestNode): Beat {
  const time = new Date((JSON.parse(stdout) as { event: { time: string } }).event.time);
  expect(pendingPresenceEvents(node)).toEqual([]);
  return { path: heartbeatPath(WRITER, time), stamp: formatTss(time) };
}

/** Every beat is in the tip's tree: a minute's file holds the last beat of that minute (beats are in time order). */
function expectBeatsKept(bare: string, beats: readonly Beat[]): void {
  const lastOfMinute = new Map(beats.map((b) => [b.path, b.stamp]));
  for (const [file, stamp] of lastOfMinute) expect(remoteFile(bare, HB, file), file).toContain(`"heartbeat": "${stamp}"`);
}

async function compact(g: Grid, ...args: string[]): Promise<CliResult & { json: Record<string, unknown> }> {
  const result = await g.operator.run(['presence', 'compact', '--json', ...args], { timeoutMs: 60_000 });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    /* asserted by the caller through code and stderr */
  }
  return { ...result, json };
}

/** First-parent commits of the heartbeat branch, oldest first: everything that must survive a re-creation. */
function commits(bare: string, ref = HB): Array<{ sha: string; tree: string; rest: string }> {
  const out = gitSync(['--git-dir', bare, 'log', '--first-parent', '--reverse', '--date=raw', '--format=%H%x01%T%x01%an <%ae> %ad%x01%cn <%ce> %cd%x01%B%x02', ref]);
  return out
    .split('\x02')
    .map((record) => record.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => {
      const [sha, tree, ...rest] = record.split('\x01');
      return { sha: sha!, tree: tree!, rest: rest.join('|') };
    });
}

const tip = (bare: string): string => gitSync(['--git-dir', bare, 'rev-parse', HB]).trim();
const treeOf = (bare: string, rev: string): string => gitSync(['--git-dir', bare, 'rev-parse', `${rev}^{tree}`]).trim();

/** Arms the access hook: `script` runs before the next push to `bare` is served (and removes itself unless `every`). */
function onNextPush(bare: string, script: string, every = false): void {
  fs.writeFileSync(path.join(bare, 'on-push.sh'), `${every ? '' : 'rm -f "$0"\n'}${script}\n`);
}

function cliLine(node: TestNode, args: string): string {
  const env = Object.entries({ ...node.env, PATH: cleanEnv().PATH ?? '', HOME: os.tmpdir(), NO_COLOR: '1' }).map(([k, v]) => `${k}='${v}'`).join(' ');
  return `env -i ${env} '${process.execPath}' '${nodegridBin()}' ${args}`;
}

describe('nodegrid presence compact', () => {
  it('squashes each day older than --older-than into one commit, keeps newer commits as they were, and a second run is a no-op', async () => {
    const g = await grid('compact.git');
    // An observer that read the grid before the rewrite has the old tip in its clone.
    const observer = makeTestNode('nodegrid-compact-observer-');
    cleanup.push(observer);
    observer.writeConfig({ presence: { heartbeat: { branch: HB, everyMinutes: '1s' } } });
    expect((await observer.run(['nodes', '--remote', g.url, '--json'])).code).toBe(0);
    const before = commits(g.bare);
    const oldTip = before.at(-1)!;
    expect(before).toHaveLength(8 + 8 + 8 + 2 + 2);

    const run = await compact(g, '--older-than', '7d');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ branch: HB, changes: true, pushed: true, attempts: 1, before: 28, after: 7, recent: 4, oldTip: oldTip.sha });
    expect((run.json.days as Array<{ commits: number; compacted: boolean }>).map((d) => [d.commits, d.compacted])).toEqual([[8, true], [8, true], [8, true]]);

    const after = commits(g.bare);
    expect(tip(g.bare)).toBe(run.json.newTip);
    expect(after).toHaveLength(7);
    expect(after.at(-1)!.tree).toBe(oldTip.tree);
    // Each day is one commit with the tree its last commit had.
    for (const [i, last] of [7, 15, 23].entries()) {
      expect(after[i]!.tree).toBe(before[last]!.tree);
      expect(after[i]!.rest).toMatch(/^nodegrid <nodegrid@compact> \d+ \+0000\|nodegrid <nodegrid@compact> \d+ \+0000\|heartbeats of \d{4}-\d{2}-\d{2} \(8 commits compacted\)\n$/);
    }
    // Newer commits: same trees, authors, committers, dates and messages, on new parents.
    expect(after.slice(3).map(({ tree, rest }) => ({ tree, rest }))).toEqual(before.slice(24).map(({ tree, rest }) => ({ tree, rest })));
    expect(after.slice(3).map((c) => c.sha)).not.toContain(before[24]!.sha);

    const pushes = daemon.requests('compact.git').pushes;
    const again = await compact(g, '--older-than', '7d');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ changes: false, pushed: false, before: 7, after: 7, newTip: null });
    expect(daemon.requests('compact.git').pushes).toBe(pushes);
    expect(tip(g.bare)).toBe(run.json.newTip);
    const text = await g.operator.run(['presence', 'compact']);
    expect(text.stdout).toMatch(/^nothing to compact on git:\/\/127\.0\.0\.1:\d+\/compact\.git \(branch heartbeats\): every day before .* is one commit already/);

    // Readers still see the grid, and the writer keeps beating on the rewritten branch.
    const nodes = await observer.run(['nodes', '--remote', g.url, '--json']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(JSON.parse(nodes.stdout)).toEqual([expect.objectContaining({ id: WRITER, state: 'setup', heartbeat: expect.any(String) })]);
    const next = await beat(g.writer);
    expectBeatsKept(g.bare, [next]);
    expect(gitSync(['--git-dir', g.bare, 'rev-parse', `${HB}^`]).trim()).toBe(run.json.newTip);
  });

  it('refuses when heartbeats share presence.branch, and when --older-than is not a duration, before any fetch', async () => {
    const g = await grid('shared.git', { heartbeat: { branch: HB } });
    const fetches = daemon.requests('shared.git').fetches;
    for (const presence of [{}, { heartbeat: { branch: 'main' } }, { branch: HB, heartbeat: { branch: HB } }]) {
      g.operator.writeConfig({ presence: { remote: g.url, ...presence } });
      const refused = await g.operator.run(['presence', 'compact']);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/presence\.heartbeat\.branch.*presence\.branch.*state-change history/);
      expect(refused.stderr).toContain('presence.heartbeat.branch: heartbeats');
    }
    g.operator.writeConfig({ presence: { remote: g.url, heartbeat: { branch: HB } } });
    for (const olderThan of ['7', 'soon', '-1d', '']) {
      const refused = await g.operator.run(['presence', 'compact', '--older-than', olderThan]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain('--older-than must be a duration with a unit, such as 7d, 36h or 90m');
    }
    // Beats in a bucket (backend hybrid) have no git history to squash.
    g.operator.writeConfig({ presence: { backend: 'hybrid', remote: g.url, heartbeat: { branch: HB }, s3: { bucket: 'grid-beats' } } });
    const hybrid = await g.operator.run(['presence', 'compact']);
    expect(hybrid.code, hybrid.stderr).toBe(2);
    expect(hybrid.stderr).toContain('presence.backend is hybrid: heartbeats go to S3, not to a git branch');
    expect(daemon.requests('shared.git').fetches).toBe(fetches);
    expect(commits(g.bare)).toHaveLength(28);
  });

  it('prints the plan on a dry run and changes nothing', async () => {
    const g = await grid('dry.git');
    const oldTip = tip(g.bare);
    const pushes = daemon.requests('dry.git').pushes;
    const dry = await g.operator.run(['presence', 'compact', '--older-than', '72h', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^would compact git:\/\/127\.0\.0\.1:\d+\/dry\.git \(branch heartbeats\): 3 days before .* into one commit each\n/);
    expect(dry.stdout.match(/^ {2}\d{4}-\d{2}-\d{2} +8 commits -> 1$/gm)).toHaveLength(3);
    expect(dry.stdout).toContain('  commits: 28 -> 7 (4 newer than 72h kept as they are)');
    expect(dry.stdout).toContain('(dry run: nothing written, nothing pushed)');
    expect(tip(g.bare)).toBe(oldTip);
    expect(daemon.requests('dry.git').pushes).toBe(pushes);
  });

  it('redoes the rewrite when a node pushes a beat between its fetch and its push, and loses no beat', async () => {
    const g = await grid('race.git');
    const beats = [await beat(g.writer)];
    // The writer beats once more just before compaction's first push is served.
    onNextPush(g.bare, `sleep 1.1; ${cliLine(g.writer, 'presence heartbeat --force --json')} > "${g.bare}/writer.json"`);

    const run = await compact(g);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/a node pushed to heartbeats meanwhile \(.*stale info.*\); rewriting again on the new tip/);
    expect(run.json).toMatchObject({ pushed: true, attempts: 2, before: 30, after: 9 });
    beats.push(beatOf(fs.readFileSync(path.join(g.bare, 'writer.json'), 'utf8'), g.writer));
    expectBeatsKept(g.bare, beats);
    expect(commits(g.bare).at(-1)!.rest).toContain(`${WRITER}: heartbeat`);
    expect(tip(g.bare)).toBe(run.json.newTip);
    // The writer goes on beating on the rewritten branch.
    beats.push(await beat(g.writer));
    expectBeatsKept(g.bare, beats);
  });

  it('lets a node whose beat was built on the old tip rebuild it on the rewritten branch', async () => {
    const g = await grid('writer-race.git');
    const oldTree = treeOf(g.bare, HB);
    // Compaction runs while the writer's push waits to be served: the writer built on the tip compaction replaces.
    onNextPush(g.bare, `${cliLine(g.operator, 'presence compact --json')} > "${g.bare}/compact.json"`);
    const late = await beat(g.writer);

    const compacted = JSON.parse(fs.readFileSync(path.join(g.bare, 'compact.json'), 'utf8')) as Record<string, unknown>;
    expect(compacted).toMatchObject({ pushed: true, attempts: 1, after: 7 });
    expect(treeOf(g.bare, compacted.newTip as string)).toBe(oldTree);
    expect(g.writer.read('home/log/nodegrid.log')).toMatch(/push rejected because the branch moved .*; retry 2/);
    expect(gitSync(['--git-dir', g.bare, 'rev-parse', `${HB}^`]).trim()).toBe(compacted.newTip);
    expectBeatsKept(g.bare, [late]);
  });

  it('gives up with exit 75 when nodes push before every attempt, leaving the branch as it was', async () => {
    const g = await grid('busy.git');
    onNextPush(g.bare, `sleep 1.1; ${cliLine(g.writer, 'presence heartbeat --force --json')} >> "${g.bare}/writer.json"`, true);
    const run = await g.operator.run(['presence', 'compact'], { timeoutMs: 60_000 });
    fs.rmSync(path.join(g.bare, 'on-push.sh'));
    expect(run.code, run.stderr).toBe(75);
    expect(run.stderr).toMatch(/the heartbeat branch kept moving through 5 attempts, nothing was changed/);
    expect(run.stderr).toContain('run it again later');
    const writes = fs.readFileSync(path.join(g.bare, 'writer.json'), 'utf8').split(/\n(?=\{)/).filter((text) => text.trim() !== '');
    expect(writes).toHaveLength(5);
    expectBeatsKept(g.bare, writes.map((text) => beatOf(text, g.writer)));
    expect(commits(g.bare)).toHaveLength(28 + 5);
  });

  it('refuses to squash commits that change current documents, naming the commit and the file', async () => {
    const g = await grid('mixed.git');
    // Someone once pointed presence.heartbeat.branch at a branch with state changes on it.
    const now = new Date();
    const old = beatsOfDay(now, 9, [OTHER], 1)[0]!.at;
    const base = gitSync(['--git-dir', g.bare, 'rev-list', '--first-parent', '--reverse', HB]).split('\n')[9]!;
    const index = path.join(g.bare, 'mixed-index');
    gitSync(['--git-dir', g.bare, 'read-tree', base], { env: { GIT_INDEX_FILE: index } });
    const blob = gitSync(['--git-dir', g.bare, 'hash-object', '-w', '--stdin'], { input: '{}\n' }).trim();
    gitSync(['--git-dir', g.bare, 'update-index', '--add', '--cacheinfo', `100644,${blob},it/presence/all/${OTHER}.json`], { env: { GIT_INDEX_FILE: index } });
    const tree = gitSync(['--git-dir', g.bare, 'write-tree'], { env: { GIT_INDEX_FILE: index } }).trim();
    const date = `${Math.floor(old.getTime() / 1000) + 30} +0000`;
    const state = gitSync(['--git-dir', g.bare, 'commit-tree', tree, '-p', base, '-m', `${OTHER}:fed1/db1: setup -> running`], { env: { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } }).trim();
    gitSync(['--git-dir', g.bare, 'update-ref', `refs/heads/${HB}`, state]);
    appendBeats(g.bare, HB, beatsOfDay(now, 9, [OTHER], 3).map((b) => ({ ...b, at: new Date(b.at.getTime() + 3600_000) })));
    const before = tip(g.bare);

    const refused = await g.operator.run(['presence', 'compact']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the heartbeat branch ${HB} also holds state changes: commit ${state.slice(0, 12)}`);
    expect(refused.stderr).toContain(`changes it/presence/all/${OTHER}.json`);
    expect(tip(g.bare)).toBe(before);
  });

  it('names a server that does not allow rewriting the branch', async () => {
    const g = await grid('protected.git');
    gitSync(['--git-dir', g.bare, 'config', 'receive.denyNonFastForwards', 'true']);
    const before = tip(g.bare);
    const run = await g.operator.run(['presence', 'compact']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/\[remote rejected\] \(non-fast-forward\).*the server does not allow rewriting heartbeats/);
    expect(run.stderr).toContain('allow force pushes to it');
    expect(tip(g.bare)).toBe(before);
  });

  it('keeps the remote\'s credentials out of its clone, its log and its messages', async () => {
    const g = await grid('secret.git');
    const password = 'pa55-compact-s3cret';
    const http = await startGitHttpServer(repos.dir, { user: 'grid', password });
    try {
      g.operator.writeConfig({ presence: { remote: http.url('secret.git'), heartbeat: { branch: HB } } });
      const run = await g.operator.run(['presence', 'compact']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^compacted http:\/\/\*{4}@127\.0\.0\.1:\d+\/secret\.git \(branch heartbeats\): 3 days/);
      expect(commits(g.bare)).toHaveLength(7);

      g.operator.writeConfig({ presence: { remote: http.url('secret.git').replace(password, `${password}-wrong`), heartbeat: { branch: HB } } });
      const refused = await g.operator.run(['presence', 'compact']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('fetch from http://****@127.0.0.1');
      for (const text of [run.stdout, run.stderr, refused.stdout, refused.stderr]) expect(text).not.toContain(password);
      const leaks = readAllFiles(g.operator.home).filter(({ text }) => text.includes(password));
      expect(leaks.map(({ file }) => file)).toEqual([]);
    } finally {
      await http.stop();
    }
  });
});
