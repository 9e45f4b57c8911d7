import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { parseJsonWith } from '../core/parse-json';
import { readTextIfExists, writeFileAtomic } from '../sys/files';
import { setAside } from '../sys/set-aside';

/**
 * What the heartbeat remembers between beats: the commits of the last work
 * that succeeded (so a tick killed between pull and work still works next
 * time) and the run of failures that leads to wedged. Read back through the
 * schema: keys an older version did not write take their defaults.
 */
const workStateSchema = z.object({
  lastSuccess: z._default(z.nullable(z.object({ at: z.string(), commits: z.record(z.string(), z.string()) })), null),
  consecutiveFailures: z._default(z.int().check(z.minimum(0)), 0),
  lastFailure: z._default(z.nullable(z.object({ at: z.string(), script: z.string(), exitCode: z.nullable(z.number()), tail: z.string() })), null),
  /** When this node last recorded a heartbeat (ISO). */
  lastBeatAt: z._default(z.nullable(z.string()), null),
});

export type WorkState = z.infer<typeof workStateSchema>;

const EMPTY: WorkState = { lastSuccess: null, consecutiveFailures: 0, lastFailure: null, lastBeatAt: null };

export function workStateFile(home: string): string {
  return path.join(home, 'heartbeat', 'work.json');
}

export function readWorkState(home: string): WorkState {
  const text = readTextIfExists(workStateFile(home));
  if (text === undefined) return { ...EMPTY };
  const parsed = parseJsonWith(workStateSchema, text);
  if (parsed.ok) return parsed.value;
  // A failure count that cannot be read starts again at zero, as after a success; the file is kept for a person.
  const file = workStateFile(home);
  setAside(file, parsed.problem, `${file}.corrupt-${Date.now()}`);
  return { ...EMPTY };
}

export function writeWorkState(home: string, state: WorkState): void {
  const file = workStateFile(home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
