import { describe, expect, it } from 'vitest';
import type { Health } from '../../src/core/health';
import { DEFAULT_LIFECYCLE } from '../../src/core/lifecycle';
import type { GridNode } from '../../src/grid/view';
import { planPages } from '../../src/monitor/pages';
import { planPass, type MonitorMemory } from '../../src/monitor/plan';
import type { PresenceRecord } from '../../src/presence/read';

const now = new Date('2015-10-08T21:13:30Z');
const options = { massSilenceRatio: 0.25, lifecycle: DEFAULT_LIFECYCLE };
const silence = { id: '20151008T210000Z-3fa9c1', until: '2015-10-08T23:00:00Z', by: 'alice@ops', note: 'kernel upgrade' };

function node(id: string, health: Health, extra: Partial<GridNode> = {}): GridNode {
  return {
    id,
    deployment: 'fed1',
    nodepart: 'db1',
    stacktype: 'lad1',
    state: health === 'wedged' ? 'wedged' : 'running',
    statetss: '20151008-184100',
    heartbeat: health === 'stale' ? '2015-10-08T21:00:00.000Z' : '2015-10-08T21:13:00.000Z',
    health,
    note: health === 'wedged' ? 'bin/nodework/part/db1/10-migrate.sh exit 3' : null,
    record: { labels: {} } as unknown as PresenceRecord,
    ...extra,
  };
}

/** One monitor pass: its memory, and what pagers are told. */
function pass(previous: MonitorMemory | undefined, nodes: GridNode[]) {
  const plan = planPass(previous, nodes, now, options);
  return { memory: plan.memory, pages: planPages(previous, plan.memory, nodes, now).map((p) => `${p.incident.action} ${p.node.id} ${p.incident.problem}`), drafts: planPages(previous, plan.memory, nodes, now) };
}

describe('what the monitor tells pagers', () => {
  it('opens one incident per troubled node and problem, once, and resolves it when the trouble ends or the node leaves presence', () => {
    const first = pass(undefined, [node('i-1', 'wedged'), node('i-2', 'alive'), node('i-3', 'alive'), node('i-4', 'alive')]);
    expect(first.pages).toEqual(['trigger i-1 wedged']);
    expect(first.drafts[0]!.incident.summary).toBe('i-1:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/10-migrate.sh exit 3');
    const again = pass(first.memory, [node('i-1', 'wedged'), node('i-2', 'stale'), node('i-3', 'alive'), node('i-4', 'alive')]);
    expect(again.pages).toEqual(['trigger i-2 stale']);
    expect(again.drafts[0]!.incident.summary).toBe('i-2:fed1/db1 stale: last heartbeat 13 min ago');
    // wedged -> stale: one incident ends and another begins; i-2 beats again.
    const later = pass(again.memory, [node('i-1', 'stale'), node('i-2', 'alive'), node('i-3', 'alive'), node('i-4', 'alive')]);
    expect(later.pages).toEqual(['resolve i-1 wedged', 'resolve i-2 stale', 'trigger i-1 stale']);
    expect(later.drafts[1]!.incident.summary).toBe('i-2:fed1/db1 is no longer stale: now alive, running');
    const gone = pass(later.memory, [node('i-2', 'alive'), node('i-3', 'alive'), node('i-4', 'alive')]);
    expect(gone.pages).toEqual(['resolve i-1 stale']);
    expect(gone.drafts[0]!.incident.summary).toBe('i-1:fed1/db1 is no longer stale: no longer in presence');
  });

  it('holds new pages for a silenced node, resolves nothing because of a silence, and pages once the silence ends if the node is still in trouble', () => {
    const start = pass(undefined, [node('i-1', 'alive'), node('i-2', 'wedged')]);
    expect(start.pages).toEqual(['trigger i-2 wedged']);
    const silenced = pass(start.memory, [node('i-1', 'stale', { silenced: silence }), node('i-2', 'wedged', { silenced: silence })]);
    expect(silenced.pages).toEqual([]);
    const over = pass(silenced.memory, [node('i-1', 'stale'), node('i-2', 'wedged')]);
    expect(over.pages).toEqual(['trigger i-1 stale', 'trigger i-2 wedged']);
  });

  it('opens one grid-wide incident instead of one per node when self-preservation holds, and resolves it when heartbeats return', () => {
    const ids = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6'];
    const start = pass(undefined, ids.map((id) => node(id, 'alive')));
    const silent = pass(start.memory, ids.map((id, i) => node(id, i < 4 ? 'stale' : 'alive')));
    expect(silent.pages).toEqual(['trigger grid mass-silence']);
    expect(silent.drafts[0]!.incident.summary).toBe("grid:all/monitor: 4 of 6 alive nodes went silent at once: likely this observer's network or the git host");
    const back = pass(silent.memory, ids.map((id) => node(id, 'alive')));
    expect(back.pages).toEqual(['resolve grid mass-silence']);
  });
});
