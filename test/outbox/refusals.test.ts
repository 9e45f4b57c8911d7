import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/core/event';
import { deliverPending } from '../../src/outbox/deliver';
import { SinkQueue } from '../../src/outbox/queue';
import { describeStuck, isStuck, readQueueHealth } from '../../src/outbox/status';
import type { SinkDescriptor } from '../../src/sinks/sink';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-refusals-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function event(seq: number, kind: NodeEvent['kind'] = 'state', time = new Date(0)): NodeEvent {
  return { id: `i-1-${seq}`, seq, kind, node: { id: 'i-1' }, from: null, state: 'running', time: time.toISOString(), statetss: null, statelog: '', severity: 'chatty', color: 'green' };
}

/** A destination that refuses everything until `accepting` is set, recording what it got. */
function refusingSink(name: string, keepsRefusedEvents: boolean) {
  const got: number[] = [];
  const state = { accepting: false };
  const descriptor: SinkDescriptor = {
    name,
    maxBatch: 10,
    role: keepsRefusedEvents ? 'presence' : 'exec',
    kinds: ['state', 'heartbeat', 'notify', 'announce'],
    accepts: () => true,
    secrets: [],
    keepsRefusedEvents,
    load: async () => ({
      deliver: async (events) => {
        if (!state.accepting) return { delivered: 0, failure: { message: `${name}: refused by the hook`, permanent: true } };
        got.push(...events.map((e) => e.seq));
        return { delivered: events.length };
      },
    }),
  };
  return { descriptor, got, state };
}

async function deliver(descriptor: SinkDescriptor, lines: string[]) {
  const [report] = await deliverPending({
    outboxDir: path.join(dir, 'outbox'),
    locksDir: path.join(dir, 'locks'),
    descriptors: [descriptor],
    budgetMs: 5000,
    ignoreBackoff: true,
    policy: { backoffMs: 10, maxBackoffMs: 20, maxPermanentFailures: 3 },
    log: { write: (line) => lines.push(line), redact: (text: string) => text },
  });
  return report!;
}

describe('refusals', () => {
  it('a presence-like sink keeps every refused event queued, however many refusals, and delivers them in order later', async () => {
    const { descriptor, got, state } = refusingSink('presence:origin', true);
    const queue = new SinkQueue(path.join(dir, 'outbox'), descriptor.name);
    [1, 2, 3].forEach((seq) => queue.enqueue(event(seq)));
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) expect(await deliver(descriptor, lines)).toMatchObject({ pending: 3, setAside: 0 });
    expect(queue.failedFiles()).toEqual([]);
    expect(lines.filter((line) => line.startsWith('CRITICAL: presence:origin refused 3 deliveries in a row'))).toHaveLength(1);
    state.accepting = true;
    expect(await deliver(descriptor, lines)).toMatchObject({ delivered: 3, pending: 0 });
    expect(got).toEqual([1, 2, 3]);
  });

  it('a presence-like sink puts events an older version left in failed/ back, in order, but leaves unreadable files aside', async () => {
    const { descriptor, got, state } = refusingSink('presence:legacy', true);
    const queue = new SinkQueue(path.join(dir, 'outbox'), descriptor.name);
    [1, 2, 3].forEach((seq) => queue.enqueue(event(seq)));
    for (const seq of [1, 2]) queue.moveToFailed(path.join(queue.dir, SinkQueue.fileNameFor(event(seq))));
    fs.writeFileSync(path.join(queue.failedDir, '000000000009-state-broken.json'), '{not json');
    state.accepting = true;
    const lines: string[] = [];
    expect(await deliver(descriptor, lines)).toMatchObject({ delivered: 3, pending: 0, setAside: 1 });
    expect(got).toEqual([1, 2, 3]);
    expect(queue.failedFiles()).toEqual(['000000000009-state-broken.json']);
    expect(lines.some((line) => line.includes('put 2 set-aside events back in the queue'))).toBe(true);
  });

  it('another sink sets the refused event aside after maxPermanentFailures, with a CRITICAL line, and the next one goes on', async () => {
    const { descriptor, state } = refusingSink('chat:gone', false);
    const queue = new SinkQueue(path.join(dir, 'outbox'), descriptor.name);
    queue.enqueue(event(1));
    const lines: string[] = [];
    await deliver(descriptor, lines);
    await deliver(descriptor, lines);
    expect(queue.failedFiles()).toEqual([]);
    expect(await deliver(descriptor, lines)).toMatchObject({ pending: 0, setAside: 1 });
    expect(lines).toContainEqual(expect.stringMatching(/^CRITICAL: set aside event 1 for chat:gone after 3 refusals; not sent again until `nodegrid outbox retry chat:gone`/));
    state.accepting = true;
    queue.enqueue(event(2));
    expect(await deliver(descriptor, lines)).toMatchObject({ delivered: 1, setAside: 1 });
    expect(queue.putBackFailed()).toEqual([SinkQueue.fileNameFor(event(1))]);
    expect(queue.pendingFiles()).toEqual([SinkQueue.fileNameFor(event(1))]);
  });
});

describe('stuck', () => {
  it('is stuck only once the oldest pending event is older than the threshold, and says so naming sink, count, age and last error', () => {
    const queue = new SinkQueue(path.join(dir, 'outbox'), 'exec:slow');
    queue.enqueue(event(1, 'state', new Date('2015-10-08T17:00:00Z')));
    queue.enqueue(event(2, 'heartbeat', new Date('2015-10-08T17:10:00Z')));
    queue.writeStatus({ ...queue.readStatus(), attempts: 4, lastError: 'exec:slow: exit 1' });
    const health = readQueueHealth(path.join(dir, 'outbox'), 'exec:slow');
    expect(isStuck(health, new Date('2015-10-08T17:10:00Z'), 600)).toBe(false);
    expect(isStuck(health, new Date('2015-10-08T17:10:01Z'), 600)).toBe(true);
    expect(describeStuck(health, new Date('2015-10-08T17:14:00Z'), 600)).toBe('exec:slow: 2 pending, oldest 14 min ago, undelivered for longer than 10 min; last error: exec:slow: exit 1');
    expect(isStuck(readQueueHealth(path.join(dir, 'outbox'), 'exec:empty'), new Date(), 1)).toBe(false);
  });
});
