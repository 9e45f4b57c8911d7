import fs from 'node:fs';
import path from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../sys/files';

/**
 * When the last tick finished and how long it took. `state set` rewrites the
 * textfile between ticks and must repeat these values, so the tick leaves
 * them here. Written only when metrics.textfile is set: without metrics a
 * tick does no extra work.
 */
export interface LastTick {
  readonly at: Date;
  readonly seconds: number;
}

export function lastTickFile(homeDir: string): string {
  return path.join(homeDir, 'metrics', 'last-tick.json');
}

export function readLastTick(homeDir: string): LastTick | undefined {
  try {
    const data = JSON.parse(readTextIfExists(lastTickFile(homeDir)) ?? 'null') as { at?: unknown; seconds?: unknown } | null;
    const at = typeof data?.at === 'string' ? new Date(data.at) : undefined;
    if (at === undefined || Number.isNaN(at.getTime()) || typeof data?.seconds !== 'number' || !Number.isFinite(data.seconds)) return undefined;
    return { at, seconds: data.seconds };
  } catch {
    // A damaged file only costs the two tick series until the next tick rewrites it.
    return undefined;
  }
}

export function writeLastTick(homeDir: string, tick: LastTick): void {
  const file = lastTickFile(homeDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify({ at: tick.at.toISOString(), seconds: tick.seconds })}\n`, { syncDir: false });
}
