import type { NodeSummary } from '../core/grid-view';
import { classifyHealth, rulesForDeployment, type HealthRules } from '../core/health';
import { flattimeMinuteStart, parseTss } from '../core/time';
import type { PresenceRecord } from '../presence/read';
import { silenceOver, type Silence } from '../presence/silences';

/**
 * The grid as an observer sees it at `now`: each usable document with its
 * latest heartbeat and derived health. Pure.
 */
export interface GridNode extends NodeSummary {
  readonly record: PresenceRecord;
}

/**
 * `beats` holds each node's latest flattime minute; `beatTimes`, when the grid
 * beats more often than once a minute, the exact time its latest beat recorded.
 */
export function classifyGrid(
  records: readonly PresenceRecord[],
  beats: ReadonlyMap<string, string>,
  now: Date,
  rules: HealthRules,
  beatTimes?: ReadonlyMap<string, Date>,
  silences: readonly Silence[] = [],
): GridNode[] {
  // A grid beats in a handful of minutes: one Date and one ISO string per minute, not per node.
  const minutes = new Map<string, { at: Date | undefined; iso: string | null }>();
  const minuteOf = (minute: string): { at: Date | undefined; iso: string | null } => {
    let known = minutes.get(minute);
    if (known === undefined) {
      const at = flattimeMinuteStart(minute);
      known = { at, iso: at ? at.toISOString() : null };
      minutes.set(minute, known);
    }
    return known;
  };
  return records.map((record) => {
    const minute = beats.get(record.id);
    const exact = beatTimes?.get(record.id);
    const beat = exact !== undefined ? { at: exact, iso: exact.toISOString() } : minute === undefined ? undefined : minuteOf(minute);
    const lastBeat = beat?.at;
    const health = classifyHealth({ state: record.state, stateSince: record.statetss ? parseTss(record.statetss) : undefined, lastBeat, note: record.note }, now, rulesForDeployment(rules, record.deployment));
    const silence = silences.length === 0 ? undefined : silenceOver(silences, { id: record.id, deployment: record.deployment ?? null, nodepart: record.nodepart ?? null }, now);
    return {
      id: record.id,
      deployment: record.deployment ?? null,
      nodepart: record.nodepart ?? null,
      stacktype: record.stacktype ?? null,
      state: record.state ?? null,
      statetss: record.statetss ?? null,
      heartbeat: beat?.iso ?? null,
      health,
      note: record.note ?? null,
      // Only when silenced: the JSON of every other node stays as it was.
      ...(silence ? { silenced: { id: silence.id, until: silence.until, by: silence.by, note: silence.note ?? null } } : {}),
      record,
    };
  });
}

/** The JSON shape of one node in `nodes --json` and the monitor: flat, no internals. */
export function nodeJson(node: GridNode): Record<string, unknown> {
  const { record } = node;
  // Key by key: 10,000 nodes are printed, and spreads copied each twice.
  const json: Record<string, unknown> = summaryJson(node);
  // Only when silenced, or with fields or labels: the JSON of every other node stays as it was.
  if (node.silenced !== undefined) json.silenced = node.silenced;
  json.initgitrepo = record.initgitrepo ?? null;
  if (Object.keys(record.extra).length > 0) json.fields = record.extra;
  if (Object.keys(record.labels).length > 0) json.labels = record.labels;
  return json;
}

/** The keys every JSON shape of a node (`nodes --json`, the dashboard's /api/nodes) starts with, in this order. */
export function summaryJson(node: NodeSummary): Omit<NodeSummary, 'silenced'> {
  return {
    id: node.id,
    deployment: node.deployment,
    nodepart: node.nodepart,
    stacktype: node.stacktype,
    state: node.state,
    statetss: node.statetss,
    heartbeat: node.heartbeat,
    health: node.health,
    note: node.note,
  };
}
