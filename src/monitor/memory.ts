import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { nodeIdentitySchema } from '../core/event-schema';
import { HEALTHS } from '../core/health';
import { COLORS } from '../core/lifecycle';
import { parseJsonWith } from '../core/parse-json';
import { readTextIfExists, writeFileAtomic } from '../sys/files';
import type { GridChange } from '../sinks/chat/digest';
import type { MonitorMemory, RememberedNode } from './plan';

/**
 * What the monitor announced, kept between passes (and between `--once` runs
 * from cron) under $NODEGRID_HOME/monitor/, so unchanged presence announces
 * nothing twice.
 */
export interface StoredMemory extends MonitorMemory {
  /**
   * Read only: chatty changes an earlier version kept here until a `via:
   * monitor` destination took them. The next pass queues them in the
   * monitor's outbox, where digests wait now, and the memory drops them.
   */
  readonly pendingDigests?: ReadonlyMap<string, readonly GridChange[]> | undefined;
}

const rememberedNodeSchema: z.ZodMiniType<RememberedNode> = z.object({
  health: z.enum(HEALTHS),
  state: z.nullable(z.string()),
  deployment: z.optional(z.string()),
  nodepart: z.optional(z.string()),
  stacktype: z.optional(z.string()),
});

const gridChangeSchema: z.ZodMiniType<GridChange> = z.object({
  node: nodeIdentitySchema,
  from: z.nullable(z.string()),
  state: z.string(),
  color: z.enum(COLORS),
});

/**
 * memory.json. Keyed lists are stored as [key, value] pairs: node ids come
 * from other nodes, and an id such as "__proto__" must survive the round trip
 * (as an object key it would be dropped). Files of earlier versions, with
 * objects there, are still read.
 */
const pairs = <T>(value: z.ZodMiniType<T>) => z.union([z.array(z.tuple([z.string(), value])), z.record(z.string(), value)]);

const storedMemorySchema = z.object({
  passAt: z.string(),
  nodes: pairs(rememberedNodeSchema),
  massSilence: z.optional(z.object({ since: z.string(), ids: z.array(z.string()), baseline: z.number() })),
  remindedAt: z.optional(z.string()),
  silences: z.optional(z.array(z.object({ id: z.string(), by: z.string(), note: z.nullable(z.string()), nodes: z.array(z.string()) }))),
  pendingDigests: z.optional(pairs(z.array(gridChangeSchema))),
});

export function monitorLayout(homeDir: string) {
  const root = path.join(homeDir, 'monitor');
  return {
    root,
    memoryFile: path.join(root, 'memory.json'),
    outboxDir: path.join(root, 'outbox'),
    locksDir: path.join(root, 'locks'),
    seqFile: path.join(root, 'seq'),
    lockFile: path.join(root, 'locks', 'monitor.lock'),
  };
}

export type MonitorLayout = ReturnType<typeof monitorLayout>;

/** Undefined on the first pass; an unreadable file is kept aside and treated as a first pass. */
export function readMemory(file: string, warn: (message: string) => void): StoredMemory | undefined {
  const text = readTextIfExists(file);
  if (text === undefined) return undefined;
  const parsed = parseJsonWith(storedMemorySchema, text);
  if (parsed.ok) {
    const { nodes, pendingDigests, ...rest } = parsed.value;
    return { ...rest, nodes: toMap(nodes), ...(pendingDigests ? { pendingDigests: toMap(pendingDigests) } : {}) };
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  fs.renameSync(file, aside);
  warn(`the monitor's memory ${file}: ${parsed.problem}; kept as ${aside} and starting afresh (current problems will be announced again)`);
  return undefined;
}

/** Written without pending digests: they wait in the monitor's outbox now. */
export function writeMemory(file: string, memory: MonitorMemory): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stored = { ...memory, nodes: [...memory.nodes] };
  writeFileAtomic(file, `${JSON.stringify(stored)}\n`);
}

function toMap<T>(stored: Array<[string, T]> | Record<string, T>): Map<string, T> {
  return new Map(Array.isArray(stored) ? stored : Object.entries(stored));
}
