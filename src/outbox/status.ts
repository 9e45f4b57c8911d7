import path from 'node:path';
import { readTextIfExists } from '../sys/files';
import { SinkQueue } from './queue';

/**
 * How a sink's queue stands, read cheaply from disk (one listing, the oldest
 * event's time, status.json; never a parse of every queued event), and the
 * one rule for "stuck": something has waited longer than
 * outbox.stuckAfterSeconds. Used by `tick`, `state`, `outbox`, `doctor` and
 * the metrics, so they never disagree. Deciding is pure: `now` is given.
 */
export interface QueueHealth {
  readonly sink: string;
  readonly pending: number;
  /** Time of the oldest pending event, undefined when nothing is pending. */
  readonly oldest: Date | undefined;
  /** Events set aside in failed/ (sent again only by `outbox retry`). */
  readonly setAside: number;
  readonly attempts: number;
  readonly lastError: string | undefined;
  readonly failuresTotal: number;
  readonly deliveredTotal: number;
}

export function readQueueHealth(outboxDir: string, sink: string): QueueHealth {
  const queue = new SinkQueue(outboxDir, sink);
  const files = queue.pendingFiles();
  const status = queue.readStatus();
  return {
    sink,
    pending: files.length,
    oldest: files[0] === undefined ? undefined : eventTime(path.join(queue.dir, files[0])),
    setAside: queue.failedFiles().length,
    attempts: status.attempts,
    lastError: status.lastError,
    failuresTotal: status.failuresTotal,
    deliveredTotal: status.deliveredTotal,
  };
}

/** Seconds the oldest pending event has waited, undefined when nothing is pending. */
export function oldestPendingSeconds(health: QueueHealth, now: Date): number | undefined {
  if (health.pending === 0) return undefined;
  // An event whose time cannot be read counts as just queued: never stuck on a guess.
  if (health.oldest === undefined) return 0;
  return Math.max(0, Math.round((now.getTime() - health.oldest.getTime()) / 1000));
}

export function isStuck(health: QueueHealth, now: Date, stuckAfterSeconds: number): boolean {
  const age = oldestPendingSeconds(health, now);
  return age !== undefined && age > stuckAfterSeconds;
}

/**
 * "presence:origin: 3 pending, oldest 14 min ago, undelivered for longer than
 * 10 min; last error: …" — the line tick, state, outbox and doctor print.
 * `lastError` must already be redacted by the caller.
 */
export function describeStuck(health: QueueHealth, now: Date, stuckAfterSeconds: number, lastError = health.lastError): string {
  return `${health.sink}: ${describeStuckQueue(health, now, stuckAfterSeconds, lastError)}`;
}

/** The same without the sink's name, for a line that already names it. */
export function describeStuckQueue(health: QueueHealth, now: Date, stuckAfterSeconds: number, lastError = health.lastError): string {
  const age = oldestPendingSeconds(health, now) ?? 0;
  const why = lastError ? `; last error: ${lastError}` : '; no delivery attempt has failed yet (is `nodegrid tick` running?)';
  return `${health.pending} pending, oldest ${formatAge(age)} ago, undelivered for longer than ${formatAge(stuckAfterSeconds)}${why}`;
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/**
 * Read directly, not through SinkQueue.peek: peek moves an unreadable event
 * aside, and looking must never change the outbox. A file delivered
 * (removed) since the listing simply has no age this time.
 */
function eventTime(file: string): Date | undefined {
  try {
    const time = (JSON.parse(readTextIfExists(file) ?? 'null') as { time?: unknown } | null)?.time;
    const date = typeof time === 'string' ? new Date(time) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  }
}
