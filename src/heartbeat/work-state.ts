import path from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../node/files';
import fs from 'node:fs';

/**
 * What the heartbeat remembers between beats: the commits of the last work
 * that succeeded (so a tick killed between pull and work still works next
 * time) and the run of failures that leads to wedged.
 */
export interface WorkState {
  lastSuccess: { at: string; commits: Record<string, string> } | null;
  consecutiveFailures: number;
  lastFailure: { at: string; script: string; exitCode: number | null; tail: string } | null;
  /** When this node last recorded a heartbeat (ISO). */
  lastBeatAt: string | null;
}

const EMPTY: WorkState = { lastSuccess: null, consecutiveFailures: 0, lastFailure: null, lastBeatAt: null };

export function workStateFile(home: string): string {
  return path.join(home, 'heartbeat', 'work.json');
}

export function readWorkState(home: string): WorkState {
  const text = readTextIfExists(workStateFile(home));
  if (text === undefined) return { ...EMPTY };
  try {
    return { ...EMPTY, ...(JSON.parse(text) as Partial<WorkState>) };
  } catch {
    return { ...EMPTY };
  }
}

export function writeWorkState(home: string, state: WorkState): void {
  const file = workStateFile(home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
