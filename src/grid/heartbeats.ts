import { BEAT_TIME_KEY, FLATTIME_DIR, flattimeMinuteDir, parsePresencePath } from '../presence/format';
import { flattimeMinute, parseTss } from '../core/time';
import { parsePresenceDocument } from '../presence/read';
import type { PresenceSource } from '../presence/source';

/**
 * Heartbeats in flattened time (SPEC §5): "who beat in minute M" is one folder
 * listing; "when did each node last beat" is the newest minute holding its file.
 * Readers judge staleness in missed beats (presence.heartbeat.everyMinutes), not minutes.
 */

/** Ids with a beat file in one flattime minute ("201510082113"), sorted. */
export async function beatsInMinute(source: PresenceSource, minute: string): Promise<string[]> {
  const dir = flattimeMinuteDir(minute);
  if (dir === undefined) throw new Error(`${JSON.stringify(minute.slice(0, 20))} is not a flattime minute (YYYYMMDDHHMM)`);
  const ids = new Set<string>();
  for (const entry of await source.list([dir])) {
    const parsed = parsePresencePath(entry.path);
    if (parsed?.kind === 'beat' && parsed.minute === minute && entry.kind === 'file') ids.add(parsed.id);
  }
  return [...ids].sort();
}

export interface LatestBeatOptions {
  /** Look only at the hour folders from `now` back this many hours (cheap on a big repository). */
  readonly hoursBack?: number | undefined;
  readonly now?: Date | undefined;
  /**
   * The nodes whose beats matter (those with a document). An object store is
   * scanned minute by minute, newest first, and the scan stops once all of
   * these are found: a healthy grid of 5,000 costs a dozen list calls.
   */
  readonly expectedIds?: ReadonlySet<string> | undefined;
}

/** The latest minute each node beat in ("201510082113"), by id. */
export async function latestBeats(source: PresenceSource, options: LatestBeatOptions = {}): Promise<Map<string, string>> {
  if (source.listFolders && options.hoursBack !== undefined) return latestBeatsNewestFirst(source, source.listFolders.bind(source), options.now ?? new Date(), options.hoursBack, options.expectedIds);
  const prefixes = options.hoursBack === undefined ? [FLATTIME_DIR] : hourFolders(options.now ?? new Date(), options.hoursBack);
  const latest = new Map<string, string>();
  for (const entry of await source.list(prefixes)) {
    const parsed = parsePresencePath(entry.path);
    if (parsed?.kind !== 'beat' || entry.kind !== 'file') continue;
    const known = latest.get(parsed.id);
    if (known === undefined || parsed.minute > known) latest.set(parsed.id, parsed.minute);
  }
  return latest;
}

/**
 * Newest first: the first minute an id is seen in is its latest beat. Each
 * hour's minute folders are learnt with one delimiter listing, so hours
 * without beats cost one call. A healthy grid is found within the first two
 * minutes; a node silent for hours makes the scan go back to its last beat or
 * to the lookback, a few list calls per minute (lower grid.beatLookbackHours
 * on big grids in a bucket).
 */
async function latestBeatsNewestFirst(
  source: PresenceSource,
  listFolders: (folder: string) => Promise<string[]>,
  now: Date,
  hoursBack: number,
  expected: ReadonlySet<string> | undefined,
): Promise<Map<string, string>> {
  const latest = new Map<string, string>();
  const nowMinute = flattimeMinute(now);
  const oldestMinute = flattimeMinute(new Date(now.getTime() - hoursBack * 3_600_000));
  let missing = expected === undefined ? Infinity : expected.size;
  let round = 2;
  for (const hour of hourFolders(now, hoursBack)) {
    if (missing <= 0) break;
    const minutes = (await listFolders(hour))
      .filter((minute) => /^\d{12}$/.test(minute) && minute <= nowMinute && minute >= oldestMinute)
      .sort()
      .reverse();
    for (let i = 0; i < minutes.length && missing > 0; i += round, round = 8) {
      const listed = await source.list(minutes.slice(i, i + round).map((minute) => `${hour}/${minute}/all`));
      // Within a round the newest minute wins; an id seen in an earlier (newer) round keeps that minute.
      const seen = new Map<string, string>();
      for (const entry of listed) {
        const parsed = parsePresencePath(entry.path);
        if (parsed?.kind !== 'beat' || entry.kind !== 'file' || latest.has(parsed.id)) continue;
        const known = seen.get(parsed.id);
        if (known === undefined || parsed.minute > known) seen.set(parsed.id, parsed.minute);
      }
      for (const [id, minute] of seen) {
        latest.set(id, minute);
        if (expected?.has(id)) missing--;
      }
    }
  }
  return latest;
}

/**
 * The time each node's latest beat recorded in its document ("heartbeat"),
 * written only when beats are closer than a minute; nodes without one keep
 * their minute. One read per node, so only used in that mode.
 */
export async function exactBeatTimes(source: PresenceSource, latest: ReadonlyMap<string, string>): Promise<Map<string, Date>> {
  const paths = new Map<string, string>();
  for (const [id, minute] of latest) {
    const dir = flattimeMinuteDir(minute);
    if (dir !== undefined) paths.set(`${dir}/${id}.json`, id);
  }
  const times = new Map<string, Date>();
  for (const [file, bytes] of await source.readMany([...paths.keys()])) {
    const parsed = parsePresenceDocument(bytes.toString('utf8'), file, paths.get(file));
    const stamp = parsed.ok ? parsed.record.extra[BEAT_TIME_KEY] : undefined;
    const at = stamp === undefined ? undefined : parseTss(stamp);
    if (at !== undefined) times.set(paths.get(file)!, at);
  }
  return times;
}

/** "it/presence/flattime/2015/10/08/21" for the hour of `now` and the `hours` before it. */
export function hourFolders(now: Date, hours: number): string[] {
  const folders: string[] = [];
  for (let i = 0; i <= hours; i++) {
    const at = new Date(now.getTime() - i * 3_600_000);
    const pad = (n: number): string => String(n).padStart(2, '0');
    folders.push(`${FLATTIME_DIR}/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}`);
  }
  return folders;
}

/** Whole minutes between two flattime minutes (b - a); undefined when either is malformed. */
export function minutesBetween(a: string, b: string): number | undefined {
  const toMs = (minute: string): number | undefined => {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(minute);
    return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : undefined;
  };
  const from = toMs(a);
  const to = toMs(b);
  return from === undefined || to === undefined ? undefined : Math.round((to - from) / 60_000);
}
