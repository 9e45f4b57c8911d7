import { describe, expect, it } from 'vitest';
import { isHeartbeatDue } from '../../src/core/beat-cadence';
import type { NodeEvent } from '../../src/core/event';
import { classifyHealth, isStale } from '../../src/core/health';
import { presenceChanges } from '../../src/presence/change';
import { planRun } from '../../src/presence/git/plan';
import { configSchema } from '../../src/config/schema';

const TEN_SECONDS = 10 / 60;
const at = (iso: string): Date => new Date(iso);

describe('beats closer than a minute (presence.heartbeat.everyMinutes: 10s)', () => {
  it('are accepted by config as a duration, and a beat period under a second is refused', () => {
    expect(configSchema.parse({ presence: { heartbeat: { everyMinutes: '10s' } } }).presence.heartbeat.everyMinutes).toBeCloseTo(TEN_SECONDS);
    expect(configSchema.parse({ presence: { heartbeat: { everyMinutes: 5 } } }).presence.heartbeat.everyMinutes).toBe(5);
    expect(configSchema.safeParse({ presence: { heartbeat: { everyMinutes: '500ms' } } }).success).toBe(false);
  });

  it('are due after the period in seconds, not at the next whole minute', () => {
    const last = at('2015-10-08T21:13:05Z');
    expect(isHeartbeatDue(last, at('2015-10-08T21:13:09Z'), TEN_SECONDS)).toBe(false);
    expect(isHeartbeatDue(last, at('2015-10-08T21:13:14.5Z'), TEN_SECONDS)).toBe(true); // a second of slack
    // Minute beats keep the original rule: whole UTC minutes.
    expect(isHeartbeatDue(last, at('2015-10-08T21:13:59Z'), 1)).toBe(false);
    expect(isHeartbeatDue(last, at('2015-10-08T21:14:00Z'), 1)).toBe(true);
  });

  it('make a node stale after staleAfterBeats periods of silence, judged to the second', () => {
    const rules = { staleAfterBeats: 2, beatEveryMinutes: TEN_SECONDS };
    const lastBeat = at('2015-10-08T21:13:05Z');
    expect(isStale(lastBeat, at('2015-10-08T21:13:25Z'), rules)).toBe(false);
    expect(isStale(lastBeat, at('2015-10-08T21:13:26Z'), rules)).toBe(true);
    expect(classifyHealth({ state: 'running', stateSince: at('2015-10-08T20:00:00Z'), lastBeat }, at('2015-10-08T21:13:30Z'), { ...rules, zombieAfterMinutes: 30 })).toBe('stale');
  });

  it('carry their own time in the flattime document, while minute beats stay the node document byte for byte', () => {
    const beat: NodeEvent = {
      id: 'i-1-1', seq: 1, kind: 'heartbeat', node: { id: 'i-1', deployment: 'fed1', nodepart: 'db1' }, from: 'running', state: 'running',
      time: '2015-10-08T21:13:05.250Z', statetss: '20151008-200000', statelog: 'running:20151008-200000;', severity: 'quiet', color: 'green',
    };
    const stamped = planRun(presenceChanges([beat], { stampBeats: true }), { branch: 'main', heartbeatBranch: 'main' }).commits[0]!.files[0]!;
    expect(stamped.path).toBe('it/presence/flattime/2015/10/08/21/201510082113/all/i-1.json');
    expect(JSON.parse(stamped.content).value.heartbeat).toBe('20151008-211305');
    const plain = planRun(presenceChanges([beat], { stampBeats: false }), { branch: 'main', heartbeatBranch: 'main' }).commits[0]!.files[0]!;
    expect(JSON.parse(plain.content).value).not.toHaveProperty('heartbeat');
  });
});
