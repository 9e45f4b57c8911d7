import fs from 'node:fs';
import path from 'node:path';
import { readTextIfExists, writeFileAtomic } from '../node/files';
import type { GridChange } from '../sinks/chat/digest';
import type { MonitorMemory } from './monitor';

/**
 * What the monitor announced, kept between passes (and between `--once` runs
 * from cron) under $NODEGRID_HOME/monitor/, so unchanged presence announces
 * nothing twice. Digests a destination did not take yet wait here too.
 */
export interface StoredMemory extends MonitorMemory {
  /** Chatty changes not yet posted, per `via: monitor` destination. */
  readonly pendingDigests?: Readonly<Record<string, readonly GridChange[]>> | undefined;
}

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
  try {
    const data = JSON.parse(text) as StoredMemory;
    if (typeof data.nodes === 'object' && data.nodes !== null) return data;
  } catch {
    /* handled below */
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  fs.renameSync(file, aside);
  warn(`the monitor's memory ${file} was unreadable; kept as ${aside} and starting afresh (current problems will be announced again)`);
  return undefined;
}

export function writeMemory(file: string, memory: StoredMemory): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(memory)}\n`);
}
