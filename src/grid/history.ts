import type { StateLogEntry } from '../core/statelog';
import type { DocumentVersion } from '../presence/history';

export interface StateVisit extends StateLogEntry {
  /** The first commit whose document carried this state. */
  readonly commit: string;
  readonly committedAt: Date;
  /** The note of the change, from the first document that carried it as its current state. */
  readonly note: string | undefined;
}

/** Every state the node went through across all versions, oldest first, each once. */
export function statesThroughHistory(versions: readonly DocumentVersion[]): StateVisit[] {
  const seen = new Map<string, StateVisit>();
  for (const version of versions) {
    const record = version.record;
    if (!record) continue;
    const entries = [...record.statelog];
    if (record.state !== undefined && record.statetss !== undefined) entries.push({ state: record.state, tss: record.statetss });
    for (const entry of entries) {
      const key = `${entry.state}:${entry.tss}`;
      const current = entry.state === record.state && entry.tss === record.statetss;
      const visit = seen.get(key);
      if (!visit) seen.set(key, { ...entry, commit: version.commit, committedAt: version.committedAt, note: current ? record.note : undefined });
      // Seen first in a later document's statelog (its own commit missed), then as the current state of none: no note known.
      else if (visit.note === undefined && current && record.note !== undefined) seen.set(key, { ...visit, note: record.note });
    }
  }
  return [...seen.values()].sort((a, b) => (a.tss < b.tss ? -1 : a.tss > b.tss ? 1 : a.committedAt.getTime() - b.committedAt.getTime()));
}
