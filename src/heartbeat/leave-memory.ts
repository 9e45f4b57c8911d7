import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import type { LeaveSignal } from '../core/leave-signal';
import { parseJsonWith } from '../core/parse-json';
import { readTextIfExists, writeFileAtomic } from '../sys/files';
import { setAside } from '../sys/set-aside';

/**
 * Which leave signals the node has acted on, by signal source: a Spot notice
 * or a lifecycle state stays in instance metadata until the instance is gone,
 * and a tick every minute must not start the drain again (nor a second tick
 * while the first one drains). Written before acting; forgotten once its
 * source answers without it, so a warm-pool instance back in service leaves
 * again the next time it is asked.
 */
const actedSchema = z.object({
  id: z.string(),
  at: z.string(),
  /** Filled in once leaving has ended: the state reached and its note. */
  outcome: z._default(z.nullable(z.object({ left: z.boolean(), state: z.string(), note: z.string() })), null),
});
const memorySchema = z.record(z.string(), actedSchema);

export type LeaveMemory = z.infer<typeof memorySchema>;

export function leaveMemoryFile(home: string): string {
  return path.join(home, 'heartbeat', 'leave-signals.json');
}

export function readLeaveMemory(home: string): LeaveMemory {
  const file = leaveMemoryFile(home);
  const text = readTextIfExists(file);
  if (text === undefined) return {};
  const parsed = parseJsonWith(memorySchema, text);
  if (parsed.ok) return parsed.value;
  setAside(file, parsed.problem, `${file}.corrupt-${Date.now()}`);
  return {};
}

export function writeLeaveMemory(home: string, memory: LeaveMemory): void {
  const file = leaveMemoryFile(home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(memory, null, 2)}\n`);
}

/** The memory without what sources that were heard no longer ask (pure). */
export function forgetAnswered(memory: LeaveMemory, heard: readonly string[], signals: readonly LeaveSignal[]): LeaveMemory {
  return Object.fromEntries(Object.entries(memory).filter(([source, acted]) => !heard.includes(source) || signals.some((signal) => signal.source === source && signal.id === acted.id)));
}

export function alreadyActedOn(memory: LeaveMemory, signal: LeaveSignal): boolean {
  return Object.hasOwn(memory, signal.source) && memory[signal.source]!.id === signal.id;
}
