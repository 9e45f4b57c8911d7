import path from 'node:path';
import type * as z from 'zod/mini';
import { describeEvent, type NodeEvent } from '../core/event';
import { parseJsonWith } from '../core/parse-json';
import { redactSecrets } from '../core/secrets';
import { readTextIfExists } from '../sys/files';
import { existingQueueNames, loadEventSchema, SinkQueue } from './queue';
import { describeStuck, isStuck, readQueueHealth, type QueueHealth } from './status';

export interface QueueListing {
  sink: string;
  configured: boolean;
  pending: number;
  /** Refused too often by a non-presence destination; sent again only by `outbox retry`. */
  setAside: number;
  oldestAgeSeconds: number | null;
  /** Undelivered for longer than outbox.stuckAfterSeconds. */
  stuck: boolean;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  events: Array<{ seq: number; kind: string; summary: string; time: string }>;
  setAsideEvents: Array<{ seq: number; kind: string; summary: string }>;
}

/**
 * What the outbox commands, `state` and `tick` show of the queues: the
 * configured sinks' queues and any left from sinks no longer configured.
 */
export interface OutboxView {
  readonly outboxDir: string;
  /** The configured sinks' names. */
  readonly configured: readonly string[];
  readonly stuckAfterSeconds: number;
  /** Redacted from the last errors shown. */
  readonly secrets: readonly string[];
}

export function queueNames(view: OutboxView): string[] {
  return [...new Set([...view.configured, ...existingQueueNames(view.outboxDir)])].sort();
}

/** A set-aside event, through the same schema as the queue's; undefined when it is not one. */
function readEvent(file: string, nodeEventSchema: z.ZodMiniType<NodeEvent>): NodeEvent | undefined {
  const parsed = parseJsonWith(nodeEventSchema, readTextIfExists(file) ?? '');
  return parsed.ok ? parsed.value : undefined;
}

export async function listQueues(view: OutboxView, now = Date.now()): Promise<QueueListing[]> {
  const configured = new Set(view.configured);
  const stuckAfter = view.stuckAfterSeconds;
  const nodeEventSchema = await loadEventSchema();
  return Promise.all(queueNames(view).map(async (name) => {
    const queue = new SinkQueue(view.outboxDir, name);
    const status = queue.readStatus();
    const events = (await queue.peek(Number.MAX_SAFE_INTEGER)).map(({ event }) => ({ seq: event.seq, kind: event.kind, summary: describeEvent(event), time: event.time }));
    const setAsideEvents = queue.failedFiles().flatMap((file) => {
      const event = readEvent(path.join(queue.failedDir, file), nodeEventSchema);
      return event ? [{ seq: event.seq, kind: event.kind, summary: describeEvent(event) }] : [];
    });
    const oldest = events[0] ? Date.parse(events[0].time) : undefined;
    const oldestAgeSeconds = oldest === undefined || Number.isNaN(oldest) ? (events.length > 0 ? 0 : null) : Math.max(0, Math.round((now - oldest) / 1000));
    return {
      sink: name,
      configured: configured.has(name),
      pending: events.length,
      setAside: queue.failedFiles().length,
      oldestAgeSeconds,
      stuck: oldestAgeSeconds !== null && oldestAgeSeconds > stuckAfter,
      attempts: status.attempts,
      lastError: status.lastError ? redactSecrets(status.lastError, view.secrets) : null,
      nextAttemptAt: status.nextAttemptAt ?? null,
      events,
      setAsideEvents,
    };
  }));
}

/** Queues undelivered for longer than outbox.stuckAfterSeconds, from a cheap read (no event parsed but the oldest). */
export function stuckQueues(view: OutboxView, now = new Date()): QueueHealth[] {
  const stuckAfter = view.stuckAfterSeconds;
  return queueNames(view)
    .map((name) => readQueueHealth(view.outboxDir, name))
    .filter((health) => isStuck(health, now, stuckAfter));
}

/** "delivery stuck: presence:origin: 3 pending, oldest 14 min ago, …; last error: …", redacted. */
export function stuckLine(view: OutboxView, health: QueueHealth, now = new Date()): string {
  const lastError = health.lastError ? redactSecrets(health.lastError, view.secrets) : undefined;
  return `delivery stuck: ${describeStuck(health, now, view.stuckAfterSeconds, lastError)}`;
}

/** Queues holding set-aside events, for `state` and `doctor`. */
export function setAsideQueues(view: OutboxView): QueueHealth[] {
  return queueNames(view)
    .map((name) => readQueueHealth(view.outboxDir, name))
    .filter((health) => health.setAside > 0);
}

export function setAsideLine(health: Pick<QueueHealth, 'sink' | 'setAside'>): string {
  const n = health.setAside;
  return `${health.sink}: ${n} event${n === 1 ? '' : 's'} set aside after the destination kept refusing ${n === 1 ? 'it' : 'them'}; fix the destination, then: nodegrid outbox retry ${health.sink}`;
}

/** Pending events per sink, for `state --json`. */
export function pendingSummary(view: OutboxView): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const name of queueNames(view)) summary[name] = new SinkQueue(view.outboxDir, name).pendingCount();
  return summary;
}
