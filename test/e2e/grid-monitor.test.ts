import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { generatePresence, tssOf, updateDocument, writeBeat } from '../helpers/grid-fixture.mjs';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

const N = new Date('2015-10-08T21:13:30Z');
const plus = (minutes: number): Date => new Date(N.getTime() + minutes * 60_000);
let receiver: HttpReceiver;
let node: TestNode;
let presence: string;

beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  node = makeTestNode('nodegrid-monitor-');
  presence = path.join(node.root, 'presence');
  const destination = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'webhook', url: receiver.url(`/${name}`), secret: 'monitor-test-secret', minIntervalSeconds: 0, ...extra });
  node.writeConfig({ chat: { destinations: [destination('ops'), destination('grid', { via: 'monitor' })] } });
});
afterEach(() => fs.rmSync(node.root, { recursive: true, force: true }));

async function pass(at: Date, expectedCode: number): Promise<void> {
  const r = await node.run(['monitor', '--once', '--presence', presence, '--now', at.toISOString()]);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(expectedCode);
}

const texts = (prefix: string): string[] => receiver.on(prefix).map((r) => (JSON.parse(r.body) as { text: string }).text);

describe('nodegrid monitor', () => {
  it('announces each transition once across separate --once runs, and reports the recovery', async () => {
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 5 } });
    const [silent, ...others] = ids.alive!;
    await pass(N, 0);
    expect(receiver.requests).toHaveLength(0);

    for (const id of others) writeBeat(presence, id, plus(4));
    await pass(plus(4), 3);
    await pass(plus(4), 3);
    expect(texts('/ops')).toEqual([`${silent}:fed1/db1: alive -> stale (last heartbeat 4 min ago)`]);
    // A via: monitor destination still gets critical announcements.
    expect(texts('/grid')).toEqual(texts('/ops'));
    expect((JSON.parse(receiver.on('/ops')[0]!.body) as { severity: string }).severity).toBe('critical');

    for (const id of ids.alive!) writeBeat(presence, id, plus(5));
    await pass(plus(5), 0);
    expect(texts('/ops').at(-1)).toMatch(new RegExp(`^${silent}:fed1/db1: stale -> alive \\(last heartbeat \\d+ s ago\\)$`));
    expect((JSON.parse(receiver.on('/ops').at(-1)!.body) as { severity: string }).severity).toBe('chatty');
    expect(texts('/grid')).toHaveLength(1);
  });

  it('leaves a node that has not beaten yet quiet until its first beat was due, then calls it stale', async () => {
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 2, new: 1 } });
    await pass(N, 0);
    expect(receiver.requests).toHaveLength(0);
    const listed = await node.run(['nodes', '--presence', presence, '--now', N.toISOString(), '--json']);
    expect((JSON.parse(listed.stdout) as Array<{ id: string; health: string }>).find((n) => n.id === ids.new![0])?.health).toBe('new');

    for (const id of ids.alive!) writeBeat(presence, id, plus(4));
    await pass(plus(4), 3);
    expect(texts('/ops')).toEqual([`${ids.new![0]}:fed1/db1: new -> stale (no beat yet; initdone for 4 min (since 21:13:30 UTC))`]);
    expect((JSON.parse(receiver.on('/ops')[0]!.body) as { severity: string }).severity).toBe('critical');
  });

  it('sends one critical message when most nodes go silent at once, and nothing more while it lasts', async () => {
    generatePresence(presence, { now: N, mix: { alive: 8 } });
    await pass(N, 0);
    await pass(plus(10), 3);
    await pass(plus(11), 3);
    expect(texts('/ops')).toEqual(['grid:all/monitor: 8 of 8 alive nodes went silent at once (likely this observer\'s network or the git host, not the nodes; individual alarms held back until heartbeats return)']);
  });

  it('reminds once per grid.remindEveryMinutes of every node still in trouble, across --once runs', async () => {
    node.writeConfig({ grid: { remindEveryMinutes: '2h' }, chat: { destinations: [{ name: 'ops', type: 'webhook', url: receiver.url('/ops'), secret: 'monitor-test-secret', minIntervalSeconds: 0 }] } });
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 3, wedged: 1 } });
    await pass(N, 3);
    expect(texts('/ops')).toEqual([expect.stringMatching(/: unseen -> wedged \(wedged for 20 min/)]);
    // The wedged node stays wedged: nothing until two hours have passed, then one line, then quiet again.
    for (const id of ids.alive!) writeBeat(presence, id, plus(90));
    await pass(plus(90), 3);
    expect(texts('/ops')).toHaveLength(1);
    for (const id of ids.alive!) writeBeat(presence, id, plus(120));
    await pass(plus(120), 3);
    await pass(plus(121), 3);
    expect(texts('/ops').slice(1)).toEqual([`grid:all/monitor: still troubled: 1 wedged (${ids.wedged![0]} wedged (wedged for 2 h 20 min (since 20:53:30 UTC)))`]);
    expect((JSON.parse(receiver.on('/ops')[1]!.body) as { severity: string }).severity).toBe('critical');
  });

  it('posts fifty nodes reaching initdone in one pass as one digest to the via: monitor destination', async () => {
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 50 }, nodeparts: ['app1'] });
    for (const id of ids.alive!) updateDocument(presence, id, { state: 'setup', statetss: tssOf(plus(-1)) });
    await pass(N, 0);
    for (const id of ids.alive!) updateDocument(presence, id, { state: 'initdone', statetss: tssOf(N) });
    await pass(N, 0);
    await pass(N, 0);
    const digests = receiver.on('/grid').map((r) => JSON.parse(r.body) as { kind: string; text: string });
    expect(digests).toHaveLength(1);
    expect(digests[0]!.kind).toBe('grid-digest');
    expect(digests[0]!.text).toMatch(/^50 nodes of fed1\/app1: setup -> initdone: i-alive-00000, /);
    // People in the ordinary room were not flooded: state changes are the nodes' own to announce.
    expect(receiver.on('/ops')).toHaveLength(0);
  });

  it('keeps a digest the destination did not take in the monitor\'s outbox, and posts it once on a later pass', async () => {
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 3 }, nodeparts: ['app1'] });
    for (const id of ids.alive!) updateDocument(presence, id, { state: 'setup', statetss: tssOf(plus(-1)) });
    await pass(N, 0);
    for (const id of ids.alive!) updateDocument(presence, id, { state: 'initdone', statetss: tssOf(N) });
    receiver.script({ status: 503, body: 'down for a moment' });
    const failed = await node.run(['monitor', '--once', '--presence', presence, '--now', N.toISOString()]);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stderr).toContain('digest of 3 changes to chat:grid: not taken, kept in the outbox for the next pass');
    expect(fs.readdirSync(path.join(node.home, 'monitor', 'outbox', 'chat:grid')).filter((f) => /^\d{12}-observed-/.test(f))).toHaveLength(3);

    await pass(N, 0);
    await pass(N, 0);
    const digests = receiver.on('/grid').filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as { kind: string; text: string });
    expect(digests).toHaveLength(1);
    expect(digests[0]!.text).toMatch(/^3 nodes of fed1\/app1: setup -> initdone: /);
    expect(receiver.on('/ops')).toHaveLength(0);
  });

  it('queues the digests an earlier version kept in its memory, so an upgrade loses none', async () => {
    const { ids } = generatePresence(presence, { now: N, mix: { alive: 2 }, nodeparts: ['app1'] });
    await pass(N, 0);
    const memoryFile = path.join(node.home, 'monitor', 'memory.json');
    const memory = JSON.parse(fs.readFileSync(memoryFile, 'utf8')) as Record<string, unknown>;
    const change = (id: string) => ({ node: { id, deployment: 'fed1', nodepart: 'app1' }, from: 'setup', state: 'initdone', color: 'yellow' });
    fs.writeFileSync(memoryFile, JSON.stringify({ ...memory, pendingDigests: [['grid', ids.alive!.map(change)]] }));

    await pass(N, 0);
    expect(texts('/grid')).toEqual([`2 nodes of fed1/app1: setup -> initdone: ${[...ids.alive!].sort().join(', ')}`]);
    expect(JSON.parse(fs.readFileSync(memoryFile, 'utf8'))).not.toHaveProperty('pendingDigests');
    await pass(N, 0);
    expect(texts('/grid')).toHaveLength(1);
  });
});
