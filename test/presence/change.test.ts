import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/core/event';
import { presenceChanges, type BeatChange, type DocumentChange } from '../../src/presence/change';
import { formatPresenceDocument, presenceValueOf } from '../../src/presence/format';

const base = {
  node: { id: 'i-1', deployment: 'fed1', nodepart: 'db1' },
  from: 'setup',
  state: 'initdone',
  time: '2015-10-08T21:13:05.250Z',
  statetss: '20151008-211305',
  statelog: 'setup:20151008-210000;',
  severity: 'chatty',
  color: 'yellow',
} as const;
const event = (kind: NodeEvent['kind'], seq: number, extra: Partial<NodeEvent> = {}): NodeEvent => ({ ...base, kind, seq, id: `i-1-${seq}`, ...extra });

describe('events as presence changes', () => {
  it('makes one change per event, in order, with the document bytes the format writes', () => {
    // The node gives its later events the note of the change that set its state, as record.ts does.
    const noted = { stateNote: 'init took 104 s' };
    const events = [event('state', 1, { note: 'init took 104 s' }), event('announce', 2, noted), event('heartbeat', 3, noted)];
    const changes = presenceChanges(events, { stampBeats: false });
    expect(changes.map((c) => c.kind)).toEqual(['state', 'announce', 'beat']);
    const [state, announce, beat] = changes as [DocumentChange, DocumentChange, BeatChange];
    expect(state).toMatchObject({ id: 'i-1', seq: 1, statetss: '20151008-211305', statelog: 'setup:20151008-210000;', refused: [] });
    expect(state.content).toBe(formatPresenceDocument(presenceValueOf(events[0]!).value));
    expect(state.message).toBe('i-1:fed1/db1: setup -> initdone\n\ninit took 104 s\n\nNodegrid-Event: 1 i-1-1');
    expect(announce.message.split('\n')[0]).toBe('i-1:fed1/db1: announce initdone');
    expect(beat).toMatchObject({ kind: 'beat', id: 'i-1', at: new Date('2015-10-08T21:13:05.250Z') });
    // A minute beat is the current document byte for byte, as in the original.
    expect(beat.content).toBe(state.content);
  });

  it('stamps sub-minute beats with their own time', () => {
    const [beat] = presenceChanges([event('heartbeat', 1)], { stampBeats: true });
    expect(JSON.parse(beat!.content).value.heartbeat).toBe('20151008-211305');
  });

  it('names values left out because they look like keys, by field and event', () => {
    const [change] = presenceChanges([event('state', 7, { fields: { hostname: 'AKIAIOSFODNN7EXAMPLE', version: '1.2.3' } })], { stampBeats: false });
    expect(change!.refused).toEqual(['hostname of event 7']);
    expect(change!.content).not.toContain('AKIA');
    expect(change!.content).toContain('1.2.3');
  });

  it('refuses a notify: presence keeps documents and beats only', () => {
    expect(() => presenceChanges([event('notify', 4)], { stampBeats: false })).toThrow(/event 4 is a notify/);
  });
});
