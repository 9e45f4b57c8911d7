import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/core/event';
import { deliverPending, type DeliveryRun } from '../../src/outbox/deliver';
import { SinkQueue } from '../../src/outbox/queue';
import type { DeliveryOutcome, SinkDescriptor } from '../../src/sinks/sink';
import type { Clock } from '../../src/sys/clock';
import { movedClock } from '../helpers/clock';

/**
 * The delivery policy's time decisions (backoff windows, budgets, in-run
 * retries) driven by a clock the test moves: nothing here waits for real.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-delivery-clock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const START = Date.parse('2026-12-01T12:00:00Z');

function event(seq: number): NodeEvent {
  return { id: `i-1-${seq}`, seq, kind: 'state', node: { id: 'i-1' }, from: null, state: 'running', time: new Date(START).toISOString(), statetss: null, statelog: '', severity: 'chatty', color: 'green' };
}

/** A destination answering from a script of outcomes, one per deliver() call, recording what it got and when. */
function scriptedSink(name: string, outcomes: Array<(events: readonly NodeEvent[]) => DeliveryOutcome>, clock: Clock) {
  const calls: Array<{ at: number; seqs: number[] }> = [];
  const descriptor: SinkDescriptor = {
    name,
    maxBatch: 2,
    role: 'exec',
    kinds: ['state'],
    accepts: () => true,
    secrets: [],
    load: async () => ({
      deliver: async (events) => {
        calls.push({ at: clock.now() - START, seqs: events.map((e) => e.seq) });
        const next = outcomes.shift();
        return next ? next(events) : { delivered: events.length };
      },
    }),
  };
  return { descriptor, calls };
}

let runs = 0;
function setUp(queued: number) {
  const root = path.join(dir, `run-${++runs}`);
  const clock = movedClock(START);
  const lines: string[] = [];
  const run = (descriptor: SinkDescriptor, overrides: Partial<DeliveryRun> = {}) =>
    deliverPending({
      outboxDir: path.join(root, 'outbox'),
      locksDir: path.join(root, 'locks'),
      descriptors: [descriptor],
      budgetMs: 10_000,
      ignoreBackoff: false,
      policy: { backoffMs: 30_000, maxBackoffMs: 600_000, maxPermanentFailures: 5 },
      log: { write: (line) => lines.push(line), redact: (text: string) => text },
      clock,
      ...overrides,
    }).then(([report]) => report!);
  const enqueue = (name: string): SinkQueue => {
    const queue = new SinkQueue(path.join(root, 'outbox'), name);
    for (let seq = 1; seq <= queued; seq++) queue.enqueue(event(seq));
    return queue;
  };
  return { clock, lines, run, enqueue };
}

describe('delivery decisions in time', () => {
  it('delivers in order, a batch at a time, until the queue is empty', async () => {
    const { clock, run, enqueue } = setUp(5);
    const { descriptor, calls } = scriptedSink('exec:ordered', [], clock);
    enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 5, pending: 0 });
    expect(calls.map((c) => c.seqs)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('keeps the first of a batch it could not deliver at the head: a partial delivery removes only what went out', async () => {
    const { clock, run, enqueue } = setUp(3);
    const { descriptor, calls } = scriptedSink('exec:partial', [() => ({ delivered: 1, failure: { message: 'second refused for now' } })], clock);
    const queue = enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 1, pending: 2 });
    expect((await queue.peek(10)).map((q) => q.event.seq)).toEqual([2, 3]);
    clock.advance(60_000);
    expect(await run(descriptor)).toMatchObject({ delivered: 2, pending: 0 });
    expect(calls.map((c) => c.seqs)).toEqual([[1, 2], [2, 3]]);
  });

  it('after a failure, waits out the backoff window on the clock: skipped before it ends, tried after', async () => {
    const { clock, run, enqueue } = setUp(1);
    const { descriptor, calls } = scriptedSink('exec:backoff', [() => ({ delivered: 0, failure: { message: 'connection refused' } })], clock);
    const queue = enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 0, pending: 1, error: 'connection refused' });
    const nextAt = Date.parse(queue.readStatus().nextAttemptAt!) - START;
    // Equal jitter on the first failure: between half the base and the base.
    expect(nextAt).toBeGreaterThanOrEqual(15_000);
    expect(nextAt).toBeLessThanOrEqual(30_000);

    clock.advance(nextAt - 1);
    expect(await run(descriptor)).toMatchObject({ skipped: 'backoff', pending: 1 });
    // `outbox flush` and a person's command do not wait for it.
    clock.advance(1);
    expect(await run(descriptor)).toMatchObject({ delivered: 1, pending: 0 });
    expect(calls).toHaveLength(2);
    const status = queue.readStatus();
    expect([status.attempts, status.lastError, status.nextAttemptAt]).toEqual([0, undefined, undefined]);
  });

  it('lets the backoff grow with each failure and cap at maxBackoff', async () => {
    const { clock, run, enqueue } = setUp(1);
    const failing = Array.from({ length: 12 }, () => () => ({ delivered: 0, failure: { message: 'down' } }));
    const { descriptor } = scriptedSink('exec:growing', failing, clock);
    const queue = enqueue(descriptor.name);
    const windows: number[] = [];
    for (let i = 0; i < 12; i++) {
      await run(descriptor, { ignoreBackoff: true });
      windows.push(Date.parse(queue.readStatus().nextAttemptAt!) - clock.now());
    }
    for (let i = 1; i < 5; i++) expect(windows[i]!, `failure ${i + 1}`).toBeGreaterThanOrEqual(windows[i - 1]! / 2);
    expect(Math.max(...windows)).toBeLessThanOrEqual(600_000);
    expect(windows.at(-1)!).toBeGreaterThanOrEqual(300_000);
    expect(queue.readStatus().attempts).toBe(12);
  });

  it('retries within the run when the destination asks for a short wait and the budget allows, sleeping on the clock', async () => {
    const { clock, run, enqueue } = setUp(1);
    const { descriptor, calls } = scriptedSink('exec:retry-after', [() => ({ delivered: 0, failure: { message: 'busy', retryAfterMs: 1500 } })], clock);
    enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 1, pending: 0 });
    expect(clock.slept).toEqual([1500]);
    expect(calls.map((c) => c.at)).toEqual([0, 1500]);
  });

  it('leaves the retry to a later run when the wait would overrun the budget', async () => {
    const { clock, run, enqueue } = setUp(1);
    const { descriptor, calls } = scriptedSink('exec:late', [() => ({ delivered: 0, failure: { message: 'busy', retryAfterMs: 9_990 } })], clock);
    const queue = enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 0, pending: 1 });
    expect(clock.slept).toEqual([]);
    expect(calls).toHaveLength(1);
    // The destination's own wait is the least the backoff keeps.
    expect(Date.parse(queue.readStatus().nextAttemptAt!) - clock.now()).toBeGreaterThanOrEqual(9_990);
  });

  it('starts no new batch once the budget is spent', async () => {
    const { clock, run, enqueue } = setUp(4);
    const { descriptor, calls } = scriptedSink('exec:budget', [(events) => { clock.advance(10_000); return { delivered: events.length }; }], clock);
    enqueue(descriptor.name);
    expect(await run(descriptor)).toMatchObject({ delivered: 2, pending: 2 });
    expect(calls).toHaveLength(1);
  });

  it('sets an event aside after maxPermanentFailures refusals in a row, then goes on with the next, in order', async () => {
    const { clock, lines, run, enqueue } = setUp(2);
    const refuse = () => ({ delivered: 0, failure: { message: 'webhook deleted', permanent: true } });
    const { descriptor, calls } = scriptedSink('exec:refused', [refuse, refuse, refuse, refuse, refuse], clock);
    const queue = enqueue(descriptor.name);
    for (let i = 0; i < 4; i++) expect(await run(descriptor, { ignoreBackoff: true })).toMatchObject({ pending: 2, setAside: 0 });
    // The fifth refusal sets the head aside; the run goes on with the next event.
    expect(await run(descriptor, { ignoreBackoff: true })).toMatchObject({ delivered: 1, pending: 0, setAside: 1 });
    expect(queue.failedFiles()).toHaveLength(1);
    expect(calls.at(-1)!.seqs).toEqual([2]);
    expect(lines.some((line) => line.startsWith('CRITICAL:') && line.includes('exec:refused'))).toBe(true);
  });
});
