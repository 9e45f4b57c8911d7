import type { PresenceView } from '../presence/store';
import { exactBeatTimes, latestBeats } from './heartbeats';
import { loadPresence, type FileProblem, type PresenceRecord } from '../presence/read';
import { readSilences, type Silence } from '../presence/silences';

/** The grid as read from a presence store: its documents, what could not be read, and the latest beats. */
export interface LoadedGrid {
  readonly location: PresenceView;
  /** Usable current documents, sorted by id. */
  readonly records: readonly PresenceRecord[];
  /** Files skipped (corrupt, oversized, mislabelled), named by their path. */
  readonly problems: readonly FileProblem[];
  /** Latest flattime minute ("201510082113") each node beat in, within the lookback. */
  readonly beats: ReadonlyMap<string, string>;
  /** With sub-minute beats: the exact time of each node's latest beat. */
  readonly beatTimes?: ReadonlyMap<string, Date> | undefined;
  /** Maintenance windows (it/presence/silences), ended ones included: readers decide what is active. */
  readonly silences: readonly Silence[];
}

export async function loadGrid(location: PresenceView, options: { now: Date; lookbackHours: number; exactBeats?: boolean }): Promise<LoadedGrid> {
  // An object store's beat scan stops once every node with a document is found, so it needs the documents first.
  const perKey = location.heartbeats.listFolders !== undefined;
  const snapshotPromise = loadPresence(location.current);
  const expectedIds = perKey ? new Set((await snapshotPromise).records.map((record) => record.id)) : undefined;
  const [snapshot, beats, silenced] = await Promise.all([
    snapshotPromise,
    latestBeats(location.heartbeats, { hoursBack: options.lookbackHours, now: options.now, expectedIds }),
    readSilences(location.current),
  ]);
  const beatTimes = options.exactBeats ? await exactBeatTimes(location.heartbeats, beats) : undefined;
  return { location, records: snapshot.records, problems: [...snapshot.problems, ...silenced.problems], beats, beatTimes, silences: silenced.silences };
}
