import { HEALTHS, type Health } from '../core/health';
import type { MetricFamily, Sample } from './exposition';

/**
 * The grid as Prometheus sees it: node counts per deployment, nodepart and
 * health, never one series per node (a grid of thousands stays a few dozen
 * series). Pure: the dashboard and the monitor hand over what they last read.
 */
export interface CountedNode {
  readonly deployment: string | null;
  readonly nodepart: string | null;
  readonly health: Health;
  /** Present while a silence covers the node. */
  readonly silenced?: unknown;
}

export interface GridMetricsInput {
  readonly nodes: Iterable<CountedNode>;
  /** When presence was last read successfully (wall clock, not a frozen --now). */
  readonly refreshedAt: Date;
}

export function gridMetricFamilies(input: GridMetricsInput): MetricFamily[] {
  // deployment and nodepart are validated names in presence, but a missing one is "" (Prometheus' "no value").
  const groups = new Map<string, { deployment: string; nodepart: string; counts: Record<Health, number>; silenced: number }>();
  for (const node of input.nodes) {
    const deployment = node.deployment ?? '';
    const nodepart = node.nodepart ?? '';
    const key = JSON.stringify([deployment, nodepart]);
    let group = groups.get(key);
    if (!group) {
      group = { deployment, nodepart, counts: Object.fromEntries(HEALTHS.map((h) => [h, 0])) as Record<Health, number>, silenced: 0 };
      groups.set(key, group);
    }
    group.counts[node.health]++;
    if (node.silenced !== undefined) group.silenced++;
  }
  const samples: Sample[] = [];
  const silenced: Sample[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    // Every health of a group, zeros included: an alert on "> 0" then resolves instead of its series vanishing.
    for (const health of HEALTHS) samples.push({ labels: { deployment: group.deployment, nodepart: group.nodepart, health }, value: group.counts[health] });
    silenced.push({ labels: { deployment: group.deployment, nodepart: group.nodepart }, value: group.silenced });
  }
  return [
    {
      name: 'nodegrid_grid_nodes',
      help: 'Nodes in presence by deployment, nodepart and derived health (alive, new, stale, zombie, stuck, wedged, retired).',
      type: 'gauge',
      samples,
    },
    {
      name: 'nodegrid_grid_silenced_nodes',
      help: 'Nodes covered by a silence (nodegrid silence) by deployment and nodepart: the monitor sends no chat about them; alert rules can exclude them too.',
      type: 'gauge',
      samples: silenced,
    },
    {
      name: 'nodegrid_presence_last_refresh_timestamp_seconds',
      help: 'Unix time presence was last read successfully; an old value means this observer sees an old grid.',
      type: 'gauge',
      samples: [{ value: input.refreshedAt.getTime() / 1000 }],
    },
  ];
}
