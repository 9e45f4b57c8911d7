import fs from 'node:fs';
import path from 'node:path';
import type { NodeEvent } from '../core/event';
import type { SinkDescriptor } from '../sinks/sink';
import { writeFileAtomic } from '../sys/files';
import { enqueueForSinks, eventId, readSequence } from './enqueue';

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
  readonly onDrop: (sink: string, file: string) => void;
}

export type EventDraft = Omit<NodeEvent, 'id' | 'seq'>;

export function publishEvents(publisher: Publisher, drafts: readonly EventDraft[]): NodeEvent[] {
  let seq = readSequence(publisher.seqFile);
  const events = drafts.map((draft): NodeEvent => {
    seq++;
    return { ...draft, id: eventId(draft.node.id, seq), seq };
  });
  for (const event of events) enqueueForSinks(publisher.outboxDir, publisher.sinks, publisher.maxPerSink, event, publisher.onDrop);
  if (events.length > 0) {
    fs.mkdirSync(path.dirname(publisher.seqFile), { recursive: true });
    writeFileAtomic(publisher.seqFile, `${seq}\n`);
  }
  return events;
}

