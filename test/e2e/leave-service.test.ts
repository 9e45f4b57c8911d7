import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { createBareRepo, useGitDaemon } from '../helpers/git-server';
import { startHttpReceiver } from '../helpers/http-receiver';
import { readOrEmpty } from '../helpers/node-files';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

interface LeavingNode extends TestNode {
  /** Lines the scripts wrote, in order. */
  ran(): string[];
  /** State events as the exec sink received them: "from -> state: note". */
  changes(): string[];
}

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

/** A running node whose config repo holds the given scripts (path under bin/nodework → body). */
async function leavingNode(scripts: Record<string, string>, config: Record<string, unknown> = {}): Promise<LeavingNode> {
  const n = makeTestNode('nodegrid-leave-');
  nodes.push(n);
  const repo = path.join(n.root, 'gitrepo/config');
  const ran = path.join(n.root, 'ran');
  const events = path.join(n.root, 'events.jsonl');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q');
  for (const [file, body] of Object.entries(scripts)) {
    fs.mkdirSync(path.dirname(path.join(repo, 'bin/nodework', file)), { recursive: true });
    fs.writeFileSync(path.join(repo, 'bin/nodework', file), `#!/bin/sh\n${body.replaceAll('RAN', `'${ran}'`)}\n`, { mode: 0o755 });
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'scripts');
  n.writeConfig({
    heartbeat: { repoDir: path.join(n.root, 'gitrepo') },
    sinks: { exec: [{ name: 'events', command: `cat >> '${events}'`, kinds: ['state'] }] },
    ...config,
  });
  for (const args of [['init', '--id', 'i-0d7a1e5e', '--deployment', 'fed1', '--nodepart', 'app1', '--initgitrepo', 'config'], ['state', 'set', 'setup'], ['state', 'set', 'initdone'], ['state', 'set', 'running']]) {
    const r = await n.run(args);
    expect(r.code, r.stderr).toBe(0);
  }
  return Object.assign(n, {
    ran: () => readOrEmpty(ran).split('\n').filter(Boolean),
    changes: () =>
      readOrEmpty(events)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { from: string | null; state: string; note?: string })
        .filter((event) => event.from !== null && event.from !== 'setup' && event.from !== 'initdone')
        .map((event) => `${event.from} -> ${event.state}: ${event.note ?? ''}`),
  });
}

const stateOf = (n: TestNode): string => readOrEmpty(path.join(n.nodeinfo, 'state.txt')).trim();

describe('nodegrid drain', () => {
  it('runs the drain scripts of the hierarchy in order with the deadline in their environment, then records drained', async () => {
    const n = await leavingNode({
      'common/drain.sh': 'echo "common $NODEGRID_STATE $NODEGRID_DEADLINE_SECONDS" >> RAN',
      'part/app1/drain.sh': 'echo "app1 $NODEGRID_ID $NODEGRID_DEADLINE" >> RAN',
      'common/work.sh': 'echo work >> RAN',
    });
    const r = await n.run(['drain', '--deadline', '5m', '--note', 'scale-in', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ left: true, forced: false, state: 'drained', pending: 0 });
    const [common, app1] = n.ran();
    expect(common).toMatch(/^common draining (29\d|300)$/);
    expect(app1).toMatch(/^app1 i-0d7a1e5e \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(n.ran()).toHaveLength(2);
    expect(stateOf(n)).toBe('drained');
    expect(n.changes()).toEqual(['running -> draining: scale-in', expect.stringMatching(/^draining -> drained: 2 drain\.sh scripts ok in \d+ s$/)]);
  });

  it('leaves a node whose drain script fails draining, with the script, its exit and its last words in the note; --force-after moves on', async () => {
    const n = await leavingNode({ 'common/drain.sh': 'echo "stopping nginx"; echo "nginx: 3 connections still open" >&2; exit 7' });
    const failed = await n.run(['drain', '--deadline', '1m']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/drain did not complete: drain failed after \d+ s: bin\/nodework\/common\/drain\.sh exit 7: .*3 connections still open/);
    expect(stateOf(n)).toBe('draining');
    // The reason reached every sink: the state re-announced with it.
    expect(n.changes().at(-1)).toMatch(/^draining -> draining: drain failed after \d+ s: bin\/nodework\/common\/drain\.sh exit 7: stopping nginx \| nginx: 3 connections still open$/);

    const forced = await n.run(['drain', '--deadline', '1m', '--force-after', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ left: true, forced: true, state: 'drained', note: expect.stringMatching(/^forced after bin\/nodework\/common\/drain\.sh exit 7/) });
    expect(stateOf(n)).toBe('drained');
  });

  it('stops a drain script still running at the deadline and says the deadline passed', async () => {
    const n = await leavingNode({ 'common/drain.sh': 'echo started >> RAN; sleep 60; echo finished >> RAN' });
    const started = Date.now();
    const r = await n.run(['drain', '--deadline', '2s'], { timeoutMs: 50_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('bin/nodework/common/drain.sh was still running at the deadline (2 s)');
    // Killed at the deadline, not left to finish its minute (a bound far above 2 s, for a busy machine).
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(n.ran()).toEqual(['started']);
    expect(stateOf(n)).toBe('draining');
  });
});

describe('nodegrid decommission', () => {
  it('refuses a node that is not drained, runs the decommission scripts from drained, and has delivered its last word when it returns', async () => {
    const n = await leavingNode({ 'common/decommission.sh': 'echo "deregistered $NODEGRID_STATE" >> RAN' });
    const early = await n.run(['decommission']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('the node is running, not drained: drain it first, or decommission --force');
    expect(stateOf(n)).toBe('running');
    expect(n.ran()).toEqual([]);

    expect((await n.run(['drain'])).code).toBe(0);
    const r = await n.run(['decommission', '--note', 'replaced by i-0b1c2d3e', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ left: true, state: 'decommissioned', pending: 0 });
    expect(n.ran()).toEqual(['deregistered drained']);
    expect(n.changes().at(-1)).toMatch(/^drained -> decommissioned: 1 decommission\.sh script ok in \d+ s; replaced by i-0b1c2d3e$/);
    const outbox = await n.run(['outbox', '--json']);
    expect((JSON.parse(outbox.stdout) as Array<{ pending: number }>).every((sink) => sink.pending === 0)).toBe(true);
  });

  it('goes from any state with --force, and refuses a bad deadline before changing anything', async () => {
    const n = await leavingNode({});
    const bad = await n.run(['drain', '--deadline', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--deadline "soon" is not a duration');
    expect(stateOf(n)).toBe('running');
    const r = await n.run(['decommission', '--force', '--deadline', '90s']);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(n)).toBe('decommissioned');
    expect(n.changes().at(-1)).toBe('running -> decommissioned: no decommission.sh scripts');
  });
});

describe('a node that cannot leave, as the monitor sees it', () => {
  const git = useGitDaemon<TestNode>();

  it('is stuck from the moment its drain fails: one critical line with the script and its last words, nothing more on the next pass, reminded later', async () => {
    createBareRepo(git.repos(), 'presence.git');
    const url = git.daemon().url('presence.git');
    const receiver = await startHttpReceiver();
    try {
      const n = git.track(await leavingNode({ 'common/drain.sh': 'echo "nginx: 3 connections still open" >&2; exit 7' }, { presence: { remote: url }, outbox: { waitSeconds: 30 } }));
      expect((await n.run(['presence', 'heartbeat', '--force'])).code).toBe(0);
      const monitor = git.track(makeTestNode('nodegrid-leave-monitor-'));
      monitor.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'webhook', url: receiver.url('/ops'), secret: 'leave-test-secret', minIntervalSeconds: 0 }] }, grid: { remindEveryMinutes: 1 } });
      const pass = (now: Date) => monitor.run(['monitor', '--once', '--remote', url, '--now', now.toISOString()]);
      const texts = () => receiver.on('/ops').map((r) => JSON.parse(r.body) as { text: string; severity: string }).map(({ text, severity }) => ({ text, severity }));
      const now = new Date();

      expect((await pass(now)).code).toBe(0);
      expect(texts()).toEqual([]);

      expect((await n.run(['drain', '--deadline', '1m'])).code).toBe(3);
      const stuck = await pass(now);
      expect(stuck.code, stuck.stderr).toBe(3);
      expect(texts()).toEqual([{ text: expect.stringMatching(/^i-0d7a1e5e:fed1\/app1: alive -> stuck \(draining: drain failed after \d+ s: bin\/nodework\/common\/drain\.sh exit 7: nginx: 3 connections still open\)$/), severity: 'critical' }]);
      const nodes = await monitor.run(['nodes', '--remote', url, '--health', 'stuck', '--json', '--now', now.toISOString()]);
      expect((JSON.parse(nodes.stdout) as Array<{ id: string }>).map((node) => node.id)).toEqual(['i-0d7a1e5e']);

      expect((await pass(now)).code).toBe(3);
      expect(texts()).toHaveLength(1);
      // Still beating two minutes later, still stuck: the reminder names it, once.
      await pass(new Date(now.getTime() + 2 * 60_000));
      expect(texts().slice(1)).toEqual([{ text: expect.stringMatching(/still troubled: 1 stuck/), severity: 'critical' }]);
      expect(JSON.stringify(receiver.on('/ops').at(-1)!.body)).toContain('i-0d7a1e5e stuck (draining: drain failed');
    } finally {
      await receiver.close();
    }
  });
});
