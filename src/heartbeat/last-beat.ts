import fs from 'node:fs';
import path from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../sys/files';
import { readWorkState } from './work-state';

/**
 * When this node last recorded a heartbeat: one file for `tick`, `agent` and
 * `presence heartbeat`, so no two commands disagree about whether a beat is
 * due. A file of its own (not a field of the work state) so writing it never
 * races a read-modify-write of anything else.
 */
export function lastBeatFile(home: string): string {
  return path.join(home, 'heartbeat', 'last-beat');
}

/** Older versions kept the time in two places; they are read only until this file is first written. */
const LEGACY_FILE = ['presence', 'last-heartbeat'];

export function readLastBeat(home: string): Date | undefined {
  const current = readTextIfExists(lastBeatFile(home));
  // Every writer now writes this file only: once it exists, nothing else can be newer (no extra reads every minute).
  const candidates = current !== undefined ? [current] : [readTextIfExists(path.join(home, ...LEGACY_FILE)), readWorkState(home).lastBeatAt ?? undefined];
  const times = candidates.map((text) => (text ? Date.parse(text.trim()) : Number.NaN)).filter((ms) => !Number.isNaN(ms));
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

export function noteBeat(home: string, at: Date): void {
  const file = lastBeatFile(home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${at.toISOString()}\n`);
}
