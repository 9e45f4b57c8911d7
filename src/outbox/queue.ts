import fs from 'node:fs';
import path from 'node:path';
import type * as z from 'zod/mini';
import { EVENT_KINDS, type NodeEvent } from '../core/event';
import { parseJsonWith } from '../core/parse-json';
import { readTextIfExists, removeFileIfExists, removeStaleTempFiles, syncDirectory, writeFileAtomic } from '../sys/files';
import { warnSetAside } from '../sys/set-aside';

/**
 * One durable queue per sink: a folder of event files, oldest first by name
 * ("<seq>-<kind>-<id>.json"), plus status.json for retries. An event leaves
 * the folder only after its sink confirmed it, so a kill at any point loses
 * nothing and reorders nothing (at worst it is delivered twice). failed/
 * holds what was set aside: unreadable files, and events a non-presence
 * destination kept refusing, until `nodegrid outbox retry` puts them back.
 */
export interface QueueStatus {
  attempts: number;
  permanentFailures: number;
  lastError?: string | undefined;
  lastAttemptAt?: string | undefined;
  nextAttemptAt?: string | undefined;
  deliveredTotal: number;
  failuresTotal: number;
}

export interface QueuedEvent {
  readonly file: string;
  readonly event: NodeEvent;
}

const EMPTY_STATUS: QueueStatus = { attempts: 0, permanentFailures: 0, deliveredTotal: 0, failuresTotal: 0 };
// Every kind the schema knows: a kind missing here would be queued and never seen again.
const EVENT_FILE = new RegExp(`^\\d{12}-(${EVENT_KINDS.join('|')})-[A-Za-z0-9-]+\\.json$`);

export function queueDirName(sinkName: string): string {
  // Sink names are "kind:name" with validated names; keep the folder readable.
  return sinkName.replace(/[^A-Za-z0-9._:-]/g, '_');
}

export class SinkQueue {
  readonly dir: string;
  readonly failedDir: string;
  private readonly statusFile: string;

  constructor(outboxDir: string, readonly sinkName: string) {
    this.dir = path.join(outboxDir, queueDirName(sinkName));
    this.failedDir = path.join(this.dir, 'failed');
    this.statusFile = path.join(this.dir, 'status.json');
  }

  static fileNameFor(event: NodeEvent): string {
    return `${String(event.seq).padStart(12, '0')}-${event.kind}-${event.id.replace(/[^A-Za-z0-9-]/g, '')}.json`;
  }

  /** Durable before it returns; enqueueing the same event twice keeps one copy. */
  enqueue(event: NodeEvent): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, SinkQueue.fileNameFor(event));
    if (fs.existsSync(file)) return;
    writeFileAtomic(file, `${JSON.stringify(event)}\n`);
  }

  /** Pending event file names, oldest first. */
  pendingFiles(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => EVENT_FILE.test(name)).sort();
  }

  pendingCount(): number {
    return this.pendingFiles().length;
  }

  /** The first `limit` pending events; unreadable files are moved aside rather than blocking the queue. */
  async peek(limit: number): Promise<QueuedEvent[]> {
    const names = this.pendingFiles();
    if (names.length === 0) return [];
    const nodeEventSchema = await loadEventSchema();
    const out: QueuedEvent[] = [];
    for (const name of names) {
      if (out.length >= limit) break;
      const file = path.join(this.dir, name);
      const text = readTextIfExists(file);
      if (text === undefined) continue;
      const parsed = parseJsonWith(nodeEventSchema, text);
      if (parsed.ok) out.push({ file, event: parsed.value });
      else {
        this.moveToFailed(file);
        warnSetAside(file, parsed.problem, this.failedDir);
      }
    }
    return out;
  }

  remove(files: readonly string[]): void {
    for (const file of files) removeFileIfExists(file);
    if (files.length > 0) syncDirectory(this.dir);
  }

  moveToFailed(file: string): void {
    fs.mkdirSync(this.failedDir, { recursive: true });
    fs.renameSync(file, path.join(this.failedDir, path.basename(file)));
    syncDirectory(this.dir);
  }

  failedFiles(): string[] {
    try {
      return fs.readdirSync(this.failedDir).filter((name) => name.endsWith('.json')).sort();
    } catch {
      return [];
    }
  }

  /**
   * Moves set-aside events (failed/) back into the queue. They keep their
   * seq-named files, so they go out in order among what is pending; an event
   * that is already queued again (a roll-forward) keeps one copy. `keep`
   * leaves a file aside (an unreadable one would only be set aside again).
   * Returns the names put back.
   */
  putBackFailed(keep: (file: string) => boolean = () => false): string[] {
    const names = this.failedFiles().filter((name) => EVENT_FILE.test(name));
    const putBack: string[] = [];
    for (const name of names) {
      const from = path.join(this.failedDir, name);
      if (keep(from)) continue;
      try {
        if (fs.existsSync(path.join(this.dir, name))) removeFileIfExists(from);
        else fs.renameSync(from, path.join(this.dir, name));
        putBack.push(name);
      } catch (error) {
        // Another nodegrid put it back first.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (putBack.length > 0) syncDirectory(this.dir);
    return putBack;
  }

  readStatus(): QueueStatus {
    const text = readTextIfExists(this.statusFile);
    if (text === undefined) return { ...EMPTY_STATUS };
    try {
      return { ...EMPTY_STATUS, ...(JSON.parse(text) as Partial<QueueStatus>) };
    } catch {
      return { ...EMPTY_STATUS };
    }
  }

  writeStatus(status: QueueStatus): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.statusFile, `${JSON.stringify(status, null, 2)}\n`);
  }

  /**
   * Keeps the queue within `max` events: old heartbeats go first (a newer beat
   * says the same), then the oldest other events, each named to `onDrop` so a
   * dropped state change is never silent.
   */
  enforceCap(max: number, onDrop: (name: string) => void): void {
    const files = this.pendingFiles();
    let excess = files.length - max;
    if (excess <= 0) return;
    const heartbeats = files.filter((name) => name.includes('-heartbeat-'));
    const others = files.filter((name) => !name.includes('-heartbeat-'));
    for (const name of [...heartbeats, ...others]) {
      if (excess <= 0) break;
      removeFileIfExists(path.join(this.dir, name));
      if (!name.includes('-heartbeat-')) onDrop(name);
      excess--;
    }
  }

  removeAll(): number {
    const count = this.pendingFiles().length + this.failedFiles().length;
    fs.rmSync(this.dir, { recursive: true, force: true });
    return count;
  }

  cleanTempFiles(): void {
    removeStaleTempFiles(this.dir);
  }
}

/** Every queue folder present on disk, configured or not (a retired sink's queue is still listed). */
export function existingQueueNames(outboxDir: string): string[] {
  try {
    return fs
      .readdirSync(outboxDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The event schema, and zod with it, loaded when there is an event file to
 * read: a run whose queues are empty (a `state set` with no remote sinks, an
 * idle tick) never builds it.
 */
export async function loadEventSchema(): Promise<z.ZodMiniType<NodeEvent>> {
  return (await import('../core/event-schema')).nodeEventSchema;
}
