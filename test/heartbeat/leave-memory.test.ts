import { describe, expect, it } from 'vitest';
import type { LeaveSignal } from '../../src/core/leave-signal';
import { alreadyActedOn, forgetAnswered, type LeaveMemory } from '../../src/heartbeat/leave-memory';

const terminated: LeaveSignal = { source: 'autoscaling', id: 'autoscaling:Terminated', step: 'drain', deadlineMs: 600_000, note: 'autoscaling: target lifecycle state Terminated' };
const memory: LeaveMemory = { autoscaling: { id: 'autoscaling:Terminated', at: '2026-03-01T18:39:17.000Z', outcome: null } };

describe('what the node remembers of leave signals', () => {
  it('knows a signal it acted on, and not another id of the same source', () => {
    expect(alreadyActedOn(memory, terminated)).toBe(true);
    expect(alreadyActedOn(memory, { ...terminated, id: 'autoscaling:Warmed:Stopped' })).toBe(false);
    expect(alreadyActedOn({}, terminated)).toBe(false);
  });

  it('forgets a signal once its source is heard without it (a warm-pool instance back in service), never while the source cannot be read', () => {
    expect(forgetAnswered(memory, ['spot', 'autoscaling'], [terminated])).toEqual(memory);
    expect(forgetAnswered(memory, ['spot', 'autoscaling'], [])).toEqual({});
    expect(forgetAnswered(memory, [], [])).toEqual(memory);
    expect(forgetAnswered(memory, ['spot'], [])).toEqual(memory);
  });
});
