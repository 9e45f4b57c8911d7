import { NodegridError } from '../core/errors';
import type { GridAt, NodeAt, NodeHistory } from '../core/grid-view';
import { flattimeMinuteDir } from '../presence/format';
import { flattimeMinute, formatTss } from '../core/time';
import { parseTimeSpec } from '../core/time-spec';
import { beatsInMinute } from './heartbeats';
import { statesThroughHistory } from './history';
import type { PresenceView } from '../presence/store';
import { parsePresenceDocument, type PresenceRecord } from '../presence/read';

/**
 * The grid's past, answered from the presence repository alone: a node's
 * states (`history`), and the grid as of one minute (`at`). A plain folder has
 * no history; what it cannot answer is said in `limits`, never guessed.
 */
export type { GridAt, NodeAt, NodeHistory, StateStep } from '../core/grid-view';

export async function nodeHistory(location: PresenceView, id: string, current: PresenceRecord | undefined): Promise<NodeHistory> {
  if (location.history) {
    const versions = await location.history.versionsOf(id);
    const states = statesThroughHistory(versions).map((visit) => ({ state: visit.state, tss: visit.tss, commit: visit.commit, committedAt: visit.committedAt.toISOString(), note: visit.note ?? null }));
    if (versions.length > 0) return { id, states, versions: versions.length, limits: [] };
  }
  if (!current) throw new NodegridError('E_NOT_FOUND', `no presence document for ${id} in ${location.description}${location.history ? ' or its history' : ''}`);
  const steps = [...current.statelog];
  const last = steps.at(-1);
  if (current.state !== undefined && current.statetss !== undefined && (last?.state !== current.state || last.tss !== current.statetss)) steps.push({ state: current.state, tss: current.statetss });
  return {
    id,
    // Only the current state's note is known without history.
    states: steps.map((entry) => ({ state: entry.state, tss: entry.tss, commit: null, committedAt: null, note: entry.state === current.state && entry.tss === current.statetss ? (current.note ?? null) : null })),
    versions: 0,
    limits: [`${location.description} has no git history: states come from the current document's statelog only (a statelog cut short or reset by a re-init is not seen)`],
  };
}

/**
 * `at`: nodes known at `when` (the tree of the last commit at or before it)
 * plus nodes that beat in its minute. Without history, a beat file (the node's
 * document as of its beat) is the only witness of a state.
 */
export async function gridAt(location: PresenceView, when: Date): Promise<GridAt> {
  const minute = flattimeMinute(when);
  const beating = new Set(await beatsInMinute(location.heartbeats, minute));
  const limits: string[] = [];
  let records: readonly PresenceRecord[] = [];
  let commit: string | null = null;
  if (location.history) {
    const past = await location.history.documentsAt(when);
    commit = past.ref;
    records = past.records;
    if (commit === null) limits.push(`nothing recorded at or before ${when.toISOString()}: the history starts later`);
  } else {
    const dir = flattimeMinuteDir(minute)!;
    const files = [...beating].map((id) => `${dir}/${id}.json`);
    const contents = await location.heartbeats.readMany(files);
    records = [...beating].flatMap((id) => {
      const bytes = contents.get(`${dir}/${id}.json`);
      return bytes ? (loadOne(bytes, `${dir}/${id}.json`, id) ?? []) : [];
    });
    limits.push(`${location.description} has no git history: states are those in the beat files of ${minute}; nodes that did not beat then are not known`);
  }
  const byId = new Map(records.map((r) => [r.id, r]));
  const ids = [...new Set([...byId.keys(), ...beating])].sort();
  const nodes = ids.map((id): NodeAt => {
    const r = byId.get(id);
    // A state entered after `when` (a beat file written later in the minute) is not the state at `when`.
    const tssOk = r?.statetss === undefined || r.statetss <= formatTss(when);
    return {
      id,
      deployment: r?.deployment ?? null,
      nodepart: r?.nodepart ?? null,
      stacktype: r?.stacktype ?? null,
      state: r && tssOk ? (r.state ?? null) : (stateFromLog(r, when) ?? null),
      statetss: r && tssOk ? (r.statetss ?? null) : null,
      beat: beating.has(id),
    };
  });
  return { time: when.toISOString(), minute, commit, nodes, limits };
}

/** The statelog's last entry at or before `when`, for a document newer than the moment asked about. */
function stateFromLog(record: PresenceRecord | undefined, when: Date): string | undefined {
  if (!record) return undefined;
  const cutoff = formatTss(when);
  return record.statelog.filter((e) => e.tss <= cutoff).at(-1)?.state;
}

/** The reader's own parser, so beat files get the same hostile-data rules as current documents. */
function loadOne(bytes: Buffer, file: string, id: string): PresenceRecord | undefined {
  const parsed = parsePresenceDocument(bytes.toString('utf8'), file, id);
  return parsed.ok ? parsed.record : undefined;
}

/**
 * A time as people and the original write it (see core/time-spec.ts): "now",
 * "-10m", "10 minutes ago", "2015-10-08T21:13" (UTC unless a zone is given; a
 * minute means its last second), "2015-10-08T21:13:30Z", "201510082113" (a
 * flattime minute) or "20151008-211330" (a statetss).
 */
export function parseGridTime(text: string, now = new Date()): Date | undefined {
  return parseTimeSpec(text, { now, minute: 'end' });
}
