import { flattimeMinute } from '../core/time';
import { heartbeatPath, parsePresencePath } from '../presence/format';
import type { PresenceSource } from '../presence/source';
import type { BeatsResponse } from './api';

/** One hour: what the node panel's strip shows, one cell a minute. */
export const BEAT_STRIP_MINUTES = 60;

/**
 * The minutes a node beat in, among the last `minutes` up to `now`. It asks
 * for the node's own beat file of each minute (one listing of exact paths),
 * never for whole hour folders: a panel opened on a grid of 10,000 nodes
 * costs the same as on a grid of ten.
 */
export async function recentBeats(source: PresenceSource, id: string, now: Date, minutes = BEAT_STRIP_MINUTES): Promise<BeatsResponse> {
  const until = Math.floor(now.getTime() / 60_000) * 60_000;
  const starts = Array.from({ length: minutes }, (_, i) => new Date(until - (minutes - 1 - i) * 60_000));
  const beaten = new Set<string>();
  for (const entry of await source.list(starts.map((start) => heartbeatPath(id, start)))) {
    const parsed = parsePresencePath(entry.path);
    if (parsed?.kind === 'beat' && parsed.id === id && entry.kind === 'file') beaten.add(parsed.minute);
  }
  return { id, until: new Date(until).toISOString(), minutes, beats: starts.filter((start) => beaten.has(flattimeMinute(start))).map((start) => start.toISOString()) };
}
