import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/core/event';
import { SinkQueue } from '../../src/outbox/queue';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-queue-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function event(seq: number, kind: NodeEvent['kind']): NodeEvent {
  return { id: `i-1-${seq}`, seq, kind, node: { id: 'i-1' }, from: null, state: 'running', time: new Date(0).toISOString(), statetss: null, statelog: '', severity: 'chatty', color: 'green' };
}

describe('a sink queue over its cap', () => {
  it('drops the oldest heartbeats first and names every state change it has to drop', async () => {
    const queue = new SinkQueue(dir, 'exec:capped');
    const kinds: Array<NodeEvent['kind']> = ['state', 'heartbeat', 'heartbeat', 'state', 'heartbeat', 'state', 'state'];
    kinds.forEach((kind, i) => queue.enqueue(event(i + 1, kind)));
    const dropped: string[] = [];

    queue.enforceCap(5, (name) => dropped.push(name));
    expect((await queue.peek(10)).map((q) => [q.event.seq, q.event.kind])).toEqual([
      [1, 'state'],
      [4, 'state'],
      [5, 'heartbeat'],
      [6, 'state'],
      [7, 'state'],
    ]);
    expect(dropped).toEqual([]); // only heartbeats went

    queue.enforceCap(3, (name) => dropped.push(name));
    expect((await queue.peek(10)).map((q) => q.event.seq)).toEqual([4, 6, 7]);
    expect(dropped).toEqual([SinkQueue.fileNameFor(event(1, 'state'))]);
  });

  it('keeps one copy when the same event is enqueued twice (a roll-forward after a kill)', () => {
    const queue = new SinkQueue(dir, 'exec:twice');
    queue.enqueue(event(1, 'state'));
    queue.enqueue(event(1, 'state'));
    expect(queue.pendingCount()).toBe(1);
  });
});
