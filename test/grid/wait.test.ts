import { describe, expect, it } from 'vitest';
import type { Health } from '../../src/core/health';
import type { GridNode } from '../../src/grid/view';
import { describeWait, evaluateWait, type WaitCondition } from '../../src/grid/wait';

function gridNode(id: string, state: string | null, health: Health, nodepart = 'db1', deployment = 'fed1'): GridNode {
  return {
    id,
    deployment,
    nodepart,
    stacktype: 'lad1',
    state,
    statetss: '20151008-211300',
    heartbeat: null,
    health,
    note: null,
    record: { id, deployment, nodepart, stacktype: 'lad1', state: state ?? undefined, statetss: '20151008-211300', statelog: [], extra: {}, labels: {}, file: `it/presence/all/${id}.json`, warnings: [] },
  };
}

const twoDbs: WaitCondition = { target: { kind: 'group', deployment: 'fed1', nodepart: 'db1', count: 2 }, states: ['initdone', 'running'] };

describe('evaluateWait', () => {
  it('holds for a group once enough nodes are in one of the states, counting new nodes and never stale or zombie ones', () => {
    const grid = [gridNode('i-a', 'initdone', 'new'), gridNode('i-b', 'initdone', 'stale'), gridNode('i-c', 'running', 'zombie'), gridNode('i-d', 'initdone', 'alive', 'app1'), gridNode('i-e', 'setup', 'alive')];
    const reading = evaluateWait(twoDbs, grid);
    expect(reading).toMatchObject({ holds: false, progress: '1 so far (2 more in initdone|running but stale or zombie)' });
    expect(reading.matching.map((n) => n.id)).toEqual(['i-a']);
    const later = evaluateWait(twoDbs, [...grid, gridNode('i-f', 'running', 'alive')]);
    expect(later.holds).toBe(true);
    expect(later.matching.map((n) => n.id)).toEqual(['i-a', 'i-f']);
  });

  it('says what one awaited node is doing: absent, another state, or in the state but no longer beating', () => {
    const one: WaitCondition = { target: { kind: 'node', id: 'i-a' }, states: ['initdone'] };
    expect(evaluateWait(one, [])).toMatchObject({ holds: false, progress: 'no presence document yet' });
    expect(evaluateWait(one, [gridNode('i-a', 'setup', 'alive')])).toMatchObject({ holds: false, progress: 'it is setup (alive)' });
    expect(evaluateWait(one, [gridNode('i-a', 'initdone', 'stale')])).toMatchObject({ holds: false, progress: 'it is initdone but stale' });
    expect(evaluateWait(one, [gridNode('i-a', null, 'zombie')])).toMatchObject({ holds: false, progress: 'it has no state (zombie)' });
    expect(evaluateWait(one, [gridNode('i-a', 'initdone', 'alive')]).holds).toBe(true);
    // Retired is the health of the state itself: whoever waits for decommissioned gets it.
    expect(evaluateWait({ ...one, states: ['decommissioned'] }, [gridNode('i-a', 'decommissioned', 'retired')]).holds).toBe(true);
  });
});

describe('describeWait', () => {
  it('names what is awaited the way the progress lines say it', () => {
    expect(describeWait(twoDbs)).toBe('2 db1 nodes of fed1 in initdone|running');
    expect(describeWait({ target: { kind: 'group', deployment: 'fed1', count: 1 }, states: ['initdone'] })).toBe('1 node of fed1 in initdone');
    expect(describeWait({ target: { kind: 'group', stacktype: 'lad1', count: 3 }, states: ['running'] })).toBe('3 nodes of stacktype lad1 in running');
    expect(describeWait({ target: { kind: 'node', id: 'i-4e7cb59a' }, states: ['initdone'] })).toBe('i-4e7cb59a in initdone');
  });
});
