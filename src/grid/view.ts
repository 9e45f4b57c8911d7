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
  return records.map((record) => {
    const minute = beats.get(record.id);
    const lastBeat = beatTimes?.get(record.id) ?? (minute === undefined ? undefined : flattimeMinuteStart(minute));
    const health = classifyHealth({ state: record.state, stateSince: record.statetss ? parseTss(record.statetss) : undefined, lastBeat, note: record.note }, now, rulesForDeployment(rules, record.deployment));
    const silence = silences.length === 0 ? undefined : silenceOver(silences, { id: record.id, deployment: record.deployment ?? null, nodepart: record.nodepart ?? null }, now);
    return {
      id: record.id,
      deployment: record.deployment ?? null,
      nodepart: record.nodepart ?? null,
      stacktype: record.stacktype ?? null,
      state: record.state ?? null,
      statetss: record.statetss ?? null,
      heartbeat: lastBeat ? lastBeat.toISOString() : null,
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
  const { record, ...rest } = node;
  return {
    ...rest,
    initgitrepo: record.initgitrepo ?? null,
    ...(Object.keys(record.extra).length > 0 ? { fields: record.extra } : {}),
    // Only when it has labels: the JSON of every other node stays as it was.
    ...(Object.keys(record.labels).length > 0 ? { labels: record.labels } : {}),
  };
}
