import { BEAT_TIME_KEY, FLATTIME_DIR, flattimeMinuteDir, parsePresencePath } from '../core/presence-doc';
import { parseTss } from '../core/time';
import { parsePresenceDocument } from './presence-reader';
import type { PresenceSource } from './presence-source';

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
}

/** The latest minute each node beat in ("201510082113"), by id. */
export async function latestBeats(source: PresenceSource, options: LatestBeatOptions = {}): Promise<Map<string, string>> {
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
