import { describe, expect, it } from 'vitest';
import type { Health } from '../../src/core/health';
import type { GridNode } from '../../src/grid/view';
import { buildSnapshot, diffSnapshots, EventLog, eventsFromStatelogs } from '../../src/web/snapshot';

const T0 = new Date('2015-10-08T21:13:30Z');
const T1 = new Date('2015-10-08T21:14:30Z');

function node(id: string, state: string, statetss: string, health: Health, extra: Record<string, string> = {}): GridNode {
  return {
    id,
    deployment: 'fed1',
    nodepart: 'db1',
    stacktype: 'lad1',
    state,
    statetss,
    heartbeat: '2015-10-08T21:13:00.000Z',
    health,
    note: null,
    record: { id, deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', state, statetss, statelog: [{ state: 'setup', tss: '20151008-174646' }, { state, tss: statetss }], extra, labels: {}, file: `it/presence/all/${id}.json`, warnings: [] },
  };
}

describe('diffing two reads of the grid', () => {
  it('reports nothing when nothing changed', () => {
    const nodes = [node('i-1', 'running', '20151008-180000', 'alive')];
    const diff = diffSnapshots(buildSnapshot(nodes, [], T0), buildSnapshot(nodes, [], T0));
    expect(diff).toEqual({ changed: [], removed: [], events: [] });
  });

  it('turns a state change into one feed line timed at the new statetss, and ships only that node', () => {
    const before = buildSnapshot([node('i-1', 'running', '20151008-180000', 'alive'), node('i-2', 'running', '20151008-180000', 'alive')], [], T0);
    const after = buildSnapshot([node('i-1', 'wedged', '20151008-211400', 'wedged'), node('i-2', 'running', '20151008-180000', 'alive')], [], T1);
    const diff = diffSnapshots(before, after);
    expect(diff.changed.map((n) => n.id)).toEqual(['i-1']);
    expect(diff.events).toEqual([
      { id: 'i-1', deployment: 'fed1', nodepart: 'db1', at: '2015-10-08T21:14:00.000Z', kind: 'state', from: 'running', to: 'wedged' },
      { id: 'i-1', deployment: 'fed1', nodepart: 'db1', at: T1.toISOString(), kind: 'health', from: 'alive', to: 'wedged' },
    ]);
  });

  it('notices a node going silent (health only), a new node and a vanished one', () => {
    const before = buildSnapshot([node('i-1', 'running', '20151008-180000', 'alive'), node('i-gone', 'running', '20151008-180000', 'alive')], [], T0);
    const after = buildSnapshot([node('i-1', 'running', '20151008-180000', 'stale'), node('i-new', 'setup', '20151008-211400', 'alive')], [], T1);
    const diff = diffSnapshots(before, after);
    expect(diff.changed.map((n) => n.id).sort()).toEqual(['i-1', 'i-new']);
    expect(diff.removed).toEqual(['i-gone']);
    expect(diff.events.map((e) => `${e.kind} ${e.id} ${e.from}->${e.to}`).sort()).toEqual(['appeared i-new null->setup', 'health i-1 alive->stale', 'removed i-gone running->null']);
  });

  it('masks a field value that looks like a token, and serves the nodes --json field names', () => {
    const snapshot = buildSnapshot([node('i-1', 'running', '20151008-180000', 'alive', { hostname: 'db1.local', leaked: 'xoxb-1234567890-abcdefghij' })], [], T0);
    const served = snapshot.nodes.get('i-1')!;
    expect(Object.keys(served)).toEqual(['id', 'deployment', 'nodepart', 'stacktype', 'state', 'statetss', 'heartbeat', 'health', 'note', 'initgitrepo', 'fields', 'hostname', 'address']);
    expect(served.fields).toEqual({ hostname: 'db1.local', leaked: '****' });
  });

  it('serves hostname and address by the rule of nodes -o wide: privateIp, else a hostname that is a DNS name, never a masked value', () => {
    const [withIp, markup, masked, bare] = [
      node('i-1', 'running', '20151008-180000', 'alive', { hostname: 'db1.local', privateIp: '10.0.0.7' }),
      node('i-2', 'running', '20151008-180000', 'alive', { hostname: '<b>x</b>' }),
      node('i-3', 'running', '20151008-180000', 'alive', { privateIp: 'xoxb-1234567890-abcdefghij' }),
      node('i-4', 'running', '20151008-180000', 'alive'),
    ];
    const served = buildSnapshot([withIp, markup, masked, bare], [], T0).nodes;
    expect([served.get('i-1')!.hostname, served.get('i-1')!.address]).toEqual(['db1.local', '10.0.0.7']);
    expect([served.get('i-2')!.hostname, served.get('i-2')!.address]).toEqual(['<b>x</b>', undefined]);
    expect(served.get('i-3')!.address).toBeUndefined();
    expect(Object.keys(served.get('i-4')!)).not.toContain('hostname');
  });
});

describe('the event feed', () => {
  it('starts from the latest statelog steps across the grid, oldest first', () => {
    const events = eventsFromStatelogs([node('i-1', 'running', '20151008-180000', 'alive'), node('i-2', 'initdone', '20151008-190000', 'alive')], 3);
    expect(events.map((e) => `${e.id} ${e.from}->${e.to} ${e.at}`)).toEqual([
      'i-2 null->setup 2015-10-08T17:46:46.000Z',
      'i-1 setup->running 2015-10-08T18:00:00.000Z',
      'i-2 setup->initdone 2015-10-08T19:00:00.000Z',
    ]);
  });

  it('keeps the newest events up to its capacity and hands them out newest first, numbered', () => {
    const log = new EventLog(3);
    const line = (id: string) => ({ id, deployment: null, nodepart: null, at: T0.toISOString(), kind: 'health' as const, from: 'alive', to: 'stale' });
    log.add([line('a'), line('b')]);
    const added = log.add([line('c'), line('d')]);
    expect(added.map((e) => e.seq)).toEqual([3, 4]);
    expect(log.latest(10).map((e) => `${e.seq}${e.id}`)).toEqual(['4d', '3c', '2b']);
    expect(log.latest(1).map((e) => e.id)).toEqual(['d']);
  });
});
