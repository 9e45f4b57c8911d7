import type { NodeEvent } from '../core/event';
import { readTextIfExists } from '../sys/files';
import type { SinkDescriptor } from '../sinks/sink';
import { SinkQueue } from './queue';

/**
 * How an event enters the outbox, for a node's own changes (node/record.ts)
 * and for the monitor's announcements (publish.ts) alike: one durable file
 * in the queue of every sink that wants it, each queue kept within its cap.
 */
export function enqueueForSinks(
  outboxDir: string,
  sinks: readonly SinkDescriptor[],
  maxPerSink: number,
  event: NodeEvent,
  onDrop: (sink: string, file: string) => void,
): void {
  for (const sink of sinks) {
    if (!sink.accepts(event)) continue;
    const queue = new SinkQueue(outboxDir, sink.name);
    queue.enqueue(event);
    queue.enforceCap(maxPerSink, (file) => onDrop(sink.name, file));
  }
}

/** The last sequence number used, kept as one number in a file (0 when none yet). */
export function readSequence(file: string): number {
  const value = Number(readTextIfExists(file)?.trim() ?? '0');
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/**
 * Unique per event: node, sequence number, time and randomness. Not a UUID
 * from node:crypto, whose loading would cost every `state set` more than the
 * rest of the record path.
 */
export function eventId(nodeId: string, seq: number): string {
  const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  return `${nodeId}-${seq}-${Date.now().toString(36)}-${random}`;
}
