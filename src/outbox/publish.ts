import fs from 'node:fs';
import path from 'node:path';
import type { NodeEvent } from '../core/event';
import type { SinkDescriptor } from '../sinks/sink';
import { readTextIfExists, writeFileAtomic } from '../node/files';
import { SinkQueue } from './queue';

/**
 * Queues events that are not a node's own state changes (the monitor's
 * announcements) in an outbox of their own, with their own gap-free sequence,
 * so they are delivered and retried like any node event. The caller holds
 * whatever lock keeps two publishers of the same outbox apart.
 */
export interface Publisher {
  readonly outboxDir: string;
  /** The last sequence number used, one number in a file. */
  readonly seqFile: string;
  readonly sinks: readonly SinkDescriptor[];
  readonly maxPerSink: number;
  onDrop(sink: string, file: string): void;
}

export type EventDraft = Omit<NodeEvent, 'id' | 'seq'>;

export function publishEvents(publisher: Publisher, drafts: readonly EventDraft[]): NodeEvent[] {
  let seq = readSeq(publisher.seqFile);
  const events = drafts.map((draft): NodeEvent => {
    seq++;
    const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
    return { ...draft, id: `${draft.node.id}-${seq}-${Date.now().toString(36)}-${random}`, seq };
  });
  for (const event of events) {
    for (const sink of publisher.sinks) {
      if (!sink.accepts(event)) continue;
      const queue = new SinkQueue(publisher.outboxDir, sink.name);
      queue.enqueue(event);
      queue.enforceCap(publisher.maxPerSink, (file) => publisher.onDrop(sink.name, file));
    }
  }
  if (events.length > 0) {
    fs.mkdirSync(path.dirname(publisher.seqFile), { recursive: true });
    writeFileAtomic(publisher.seqFile, `${seq}\n`);
  }
  return events;
}

function readSeq(file: string): number {
  const value = Number(readTextIfExists(file)?.trim() ?? '0');
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
