import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { generatePresence, writeBeat } from '../helpers/grid-fixture.mjs';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

/**
 * A maintenance window through presence: `silence` written by one process,
 * honoured by `monitor --once` (another), shown by `nodes`; when it ends the
 * monitor says so once, critical because a covered node went silent meanwhile.
 */
const git = useGitDaemon<TestNode>();
let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(async () => receiver.close());

const commitAll = (dir: string, message: string): void => {
  gitSync(['add', '-A'], { cwd: dir });
  gitSync(['commit', '-q', '-m', message], { cwd: dir });
  gitSync(['pull', '-q', '--rebase', 'origin', 'main'], { cwd: dir });
  gitSync(['push', '-q', 'origin', 'HEAD:main'], { cwd: dir });
};

describe('nodegrid silence', () => {
  it('holds the monitor quiet about a silenced node, shows it in nodes and silences, and says once when the silence ends', async () => {
    const bare = createBareRepo(git.repos(), 'presence.git');
    const url = git.daemon().url('presence.git');
    const watcher = git.track(makeTestNode('nodegrid-silence-'));
    // The fixture's grid, pushed to the daemon from a checkout of its own.
    const checkout = path.join(watcher.root, 'checkout');
    fs.mkdirSync(checkout);
    gitSync(['init', '-q', '-b', 'main'], { cwd: checkout });
    gitSync(['remote', 'add', 'origin', bare], { cwd: checkout });
    const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);
    const { ids } = generatePresence(checkout, { now: t0, mix: { alive: 3 } });
    gitSync(['add', '-A'], { cwd: checkout });
    gitSync(['commit', '-q', '-m', 'grid'], { cwd: checkout });
    gitSync(['push', '-q', 'origin', 'HEAD:main'], { cwd: checkout });
    const [quiet, ...others] = ids.alive!;

    watcher.writeConfig({ presence: { remote: url }, chat: { destinations: [{ name: 'ops', type: 'webhook', url: receiver.url('/ops'), secret: 'silence-test-secret', minIntervalSeconds: 0 }] } });
    const pass = (now: Date) => watcher.run(['monitor', '--once', '--remote', url, '--now', now.toISOString()]);
    const texts = () => receiver.on('/ops').map((r) => JSON.parse(r.body) as { text: string; severity: string }).map(({ text, severity }) => ({ text, severity }));
    expect((await pass(t0)).code).toBe(0);

    const set = await watcher.run(['silence', quiet!, '--for', '1h', '--note', 'kernel upgrade', '--by', 'alice@ops', '--json']);
    expect(set.code, set.stderr).toBe(0);
    const silence = JSON.parse(set.stdout) as { id: string; until: string };
    expect(gitSync(['--git-dir', bare, 'log', '-1', '--format=%s', 'main']).trim()).toBe(`silence ${quiet} for 1 h by alice@ops`);

    // The silenced node stops beating; the others go on. Nothing is said about it, and it counts as no trouble.
    for (const id of others) writeBeat(checkout, id, at(5));
    commitAll(checkout, 'beats');
    const quietPass = await pass(at(5));
    expect(quietPass.code, quietPass.stderr).toBe(0);
    expect(texts()).toEqual([]);

    const nodes = await watcher.run(['nodes', '--remote', url, '--json', '--now', at(5).toISOString()]);
    const listed = JSON.parse(nodes.stdout) as Array<{ id: string; health: string; silenced?: { id: string; by: string; note: string } }>;
    expect(listed.find((n) => n.id === quiet)).toMatchObject({ health: 'stale', silenced: { id: silence.id, by: 'alice@ops', note: 'kernel upgrade', until: silence.until } });
    expect(listed.filter((n) => n.silenced !== undefined)).toHaveLength(1);
    const table = await watcher.run(['nodes', '--remote', url, '--now', at(5).toISOString()]);
    expect(table.stdout).toMatch(new RegExp(`${quiet}\\s+stale \\(silenced\\)`));
    const active = await watcher.run(['silences', '--remote', url]);
    expect(active.stdout).toMatch(new RegExp(`^${silence.id}  ${quiet}\\s+until .* by alice@ops: kernel upgrade$`, 'm'));

    // Ended early: the next pass says so once, critical, naming the node still in trouble.
    const end = await watcher.run(['silence', '--end', silence.id, '--by', 'bob@ops']);
    expect(end.code, end.stderr).toBe(0);
    expect((await pass(at(6))).code).toBe(3);
    expect(texts()).toEqual([{ text: expect.stringMatching(new RegExp(`^grid:all/monitor: silence ${silence.id} by alice@ops \\(kernel upgrade\\) is over: 1 node, 1 in trouble \\(${quiet} stale \\(last heartbeat \\d+ min ago\\)\\)$`)), severity: 'critical' }]);
    expect((await pass(at(6))).code).toBe(3);
    expect(texts()).toHaveLength(1);
    const ended = await watcher.run(['silences', '--all', '--json', '--remote', url]);
    expect(JSON.parse(ended.stdout)).toEqual([expect.objectContaining({ id: silence.id, active: false, endedBy: 'bob@ops' })]);
  });

  it('refuses what is not a silence before writing anything', async () => {
    const bare = createBareRepo(git.repos(), 'strict.git');
    const url = git.daemon().url('strict.git');
    const n = git.track(makeTestNode('nodegrid-silence-bad-'));
    n.writeConfig({ presence: { remote: url } });
    const cases: Array<[string[], RegExp]> = [
      [['silence', 'i-1', '--for', 'soon'], /--for "soon" is not a duration between 1 min and 7 days/],
      [['silence', 'i-1', '--for', '30d'], /between 1 min and 7 days/],
      [['silence', '--for', '1h'], /say what to silence/],
      [['silence', 'i-1', '--deployment', 'fed1', '--for', '1h'], /not both/],
      [['silence', '--deployment', 'fed1/../x', '--for', '1h'], /--deployment "fed1\/..\/x" is not a name/],
      [['silence', '--end', 'nope'], /--end "nope" is not a silence id/],
    ];
    for (const [args, message] of cases) {
      const r = await n.run(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(() => gitSync(['--git-dir', bare, 'rev-parse', 'main'])).toThrow();
  });
});
