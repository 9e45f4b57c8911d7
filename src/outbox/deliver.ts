import { errorMessage, NodegridError } from '../core/errors';
import { parseJsonWith } from '../core/parse-json';
import { redactSecrets } from '../core/secrets';
import { acquireLock, type Lock } from '../sys/lock';
import { systemClock, type Clock } from '../sys/clock';
import { readTextIfExists } from '../sys/files';
import type { NodeLog } from '../sys/log';
import type { Sink, SinkDescriptor, SinkFailure } from '../sinks/sink';
import { backoffDelayMs } from '../sys/backoff';
import { loadEventSchema, SinkQueue, type QueuedEvent, type QueueStatus } from './queue';

/**
 * Delivers what is queued, every sink on its own: one failing sink never
 * blocks another's events. Each sink's queue is delivered in order under a
 * per-sink lock, so two processes never deliver the same queue at once.
 */
export interface DeliveryPolicy {
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxPermanentFailures: number;
}

export interface DeliveryRun {
  readonly outboxDir: string;
  readonly locksDir: string;
  readonly descriptors: readonly SinkDescriptor[];
  readonly budgetMs: number;
  /** `outbox flush` and user actions try now; the heartbeat respects backoff timers. */
  readonly ignoreBackoff: boolean;
  readonly policy: DeliveryPolicy;
  readonly log: NodeLog;
  /** The system clock unless a test moves its own. */
  readonly clock?: Clock | undefined;
}

export interface SinkReport {
  readonly sink: string;
  readonly delivered: number;
  readonly pending: number;
  /** Events set aside in failed/ (refused too often by a non-presence destination). */
  readonly setAside: number;
  readonly error?: string | undefined;
  readonly skipped?: 'backoff' | 'busy' | undefined;
}

export async function deliverPending(run: DeliveryRun): Promise<SinkReport[]> {
  const deadline = (run.clock ?? systemClock).now() + run.budgetMs;
  return Promise.all(run.descriptors.map((descriptor) => deliverOneSink(run, descriptor, deadline)));
}

async function deliverOneSink(run: DeliveryRun, descriptor: SinkDescriptor, deadline: number): Promise<SinkReport> {
  const clock = run.clock ?? systemClock;
  const queue = new SinkQueue(run.outboxDir, descriptor.name);
  // Every sink's secrets, not only this one's: an error text may echo anything (a proxy's error page, a shared receiver).
  const knownSecrets = [...new Set(run.descriptors.flatMap((d) => d.secrets))];
  const redact = (text: string): string => run.log.redact(redactSecrets(text, knownSecrets)); // the log's redactor knows the node's secrets too
  const report = (delivered: number, extra: Partial<SinkReport> = {}): SinkReport => ({
    sink: descriptor.name,
    delivered,
    pending: queue.pendingCount(),
    setAside: queue.failedFiles().length,
    ...extra,
  });
  if (descriptor.keepsRefusedEvents) await putBackRefusedEvents(queue, descriptor, run.log);
  if (queue.pendingCount() === 0) return report(0);

  const status = queue.readStatus();
  if (!run.ignoreBackoff && status.nextAttemptAt && Date.parse(status.nextAttemptAt) > clock.now()) {
    return report(0, { skipped: 'backoff', error: status.lastError });
  }

  let lock: Lock;
  try {
    lock = await acquireLock(`${run.locksDir}/deliver-${queue.dir.split('/').at(-1)}.lock`, {
      timeoutMs: Math.max(0, deadline - clock.now()),
      what: `delivery to ${descriptor.name}`,
    });
  } catch (error) {
    if (error instanceof NodegridError && error.code === 'E_LOCKED') return report(0, { skipped: 'busy' });
    throw error;
  }

  let delivered = 0;
  let lastError: string | undefined;
  let sink: Sink | undefined;
  try {
    queue.cleanTempFiles();
    sink = await descriptor.load();
    for (;;) {
      const batch = await queue.peek(descriptor.maxBatch);
      if (batch.length === 0 || clock.now() >= deadline) break;
      const outcome = await attempt(sink, batch.map((q) => q.event), deadline, clock, run.log, redact);
      const leading = Math.min(Math.max(outcome.delivered, 0), batch.length);
      const outOfOrder = new Set(outcome.deliveredIds ?? []);
      const doneFiles = batch.filter((q, index) => index < leading || outOfOrder.has(q.event.id)).map((q) => q.file);
      const done = doneFiles.length;
      if (done > 0) {
        queue.remove(doneFiles);
        delivered += done;
        const current = queue.readStatus();
        queue.writeStatus({ ...current, attempts: 0, permanentFailures: 0, lastError: undefined, nextAttemptAt: undefined, deliveredTotal: current.deliveredTotal + done });
      }
      if (!outcome.failure) continue;

      lastError = redact(outcome.failure.message);
      const next = recordFailure(queue, outcome.failure, lastError, run.policy, clock);
      run.log.write(`delivery to ${descriptor.name} failed (attempt ${next.attempts}): ${lastError}`);
      if (outcome.failure.permanent && next.permanentFailures >= run.policy.maxPermanentFailures) {
        if (descriptor.keepsRefusedEvents) {
          if (next.permanentFailures === run.policy.maxPermanentFailures) warnKeptRefused(descriptor, next, lastError, run.log, clock);
          break; // retried after the backoff, never set aside
        }
        await setAsideRefused(queue, descriptor, batch, doneFiles, outcome.failure, next, lastError, run.log);
        continue;
      }
      // A destination that asked us to wait a little is retried within this run's budget.
      const wait = outcome.failure.retryAfterMs;
      if (wait !== undefined && clock.now() + wait < deadline - 50) {
        await clock.sleep(wait);
        continue;
      }
      break;
    }
  } catch (error) {
    lastError = redact(`${descriptor.name}: ${errorMessage(error)}`);
    recordFailure(queue, { message: lastError }, lastError, run.policy, clock);
    run.log.write(`delivery to ${descriptor.name} failed: ${lastError}`);
  } finally {
    await sink?.close?.().catch(() => undefined);
    await lock.release();
  }
  return report(delivered, queue.pendingCount() > 0 && lastError ? { error: lastError } : {});
}

/** Once, when a presence sink crosses maxPermanentFailures: loud, but the events stay. */
function warnKeptRefused(descriptor: SinkDescriptor, status: QueueStatus, lastError: string, log: NodeLog, clock: Clock): void {
  const retryIn = Math.max(0, Math.round((Date.parse(status.nextAttemptAt ?? '') - clock.now()) / 1000));
  log.write(
    `CRITICAL: ${descriptor.name} refused ${status.permanentFailures} deliveries in a row; its events stay queued and are retried with backoff (next in ${retryIn} s) until delivered: fix the remote (hook, permissions) or discard them with \`nodegrid outbox drop ${descriptor.name} --yes\`: ${lastError}`,
  );
}

/**
 * A chat, EC2 or exec destination that keeps refusing (a deleted webhook):
 * the refused events move to failed/, so the ones behind them go out, and a
 * CRITICAL line says how to send them again.
 */
async function setAsideRefused(
  queue: SinkQueue,
  descriptor: SinkDescriptor,
  batch: readonly QueuedEvent[],
  doneFiles: readonly string[],
  failure: SinkFailure,
  status: QueueStatus,
  lastError: string,
  log: NodeLog,
): Promise<void> {
  const named = new Set(failure.eventIds ?? []);
  const refused = named.size > 0 ? batch.filter((q) => named.has(q.event.id) && !doneFiles.includes(q.file)) : await queue.peek(1);
  for (const entry of refused) queue.moveToFailed(entry.file);
  if (refused.length === 0) return;
  queue.writeStatus({ ...status, attempts: 0, permanentFailures: 0, nextAttemptAt: undefined });
  const seqs = refused.map((q) => q.event.seq).join(', ');
  log.write(
    `CRITICAL: set aside event${refused.length === 1 ? '' : 's'} ${seqs} for ${descriptor.name} after ${status.permanentFailures} refusals; not sent again until \`nodegrid outbox retry ${descriptor.name}\`: ${lastError}`,
  );
}

/**
 * A presence event in failed/ is a lost change: an older nodegrid set it
 * aside, or a person moved it there. It goes back into the queue (in seq
 * order, by its file name) on the next delivery. Unreadable files stay aside:
 * they would only be set aside again.
 */
async function putBackRefusedEvents(queue: SinkQueue, descriptor: SinkDescriptor, log: NodeLog): Promise<void> {
  if (queue.failedFiles().length === 0) return;
  const names = queue.putBackFailed(await unreadableEventCheck());
  if (names.length === 0) return;
  log.write(`${descriptor.name}: put ${names.length} set-aside event${names.length === 1 ? '' : 's'} back in the queue (a presence change is never given up): ${names.join(', ')}`);
}

/** Whether a set-aside file fails the event schema peek() applies: putting it back would only set it aside again. */
export async function unreadableEventCheck(): Promise<(file: string) => boolean> {
  const nodeEventSchema = await loadEventSchema();
  return (file) => {
    const text = readTextIfExists(file);
    return text === undefined || !parseJsonWith(nodeEventSchema, text).ok;
  };
}

async function attempt(
  sink: Sink,
  events: Parameters<Sink['deliver']>[0],
  deadline: number,
  clock: Clock,
  log: NodeLog,
  redact: (text: string) => string,
): Promise<Awaited<ReturnType<Sink['deliver']>>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - clock.now()));
  try {
    return await sink.deliver(events, { deadline, signal: controller.signal, log: (line) => log.write(redact(line)) });
  } catch (error) {
    return { delivered: 0, failure: { message: errorMessage(error) } };
  } finally {
    clearTimeout(timer);
  }
}

function recordFailure(queue: SinkQueue, failure: SinkFailure, message: string, policy: DeliveryPolicy, clock: Clock): QueueStatus {
  const current = queue.readStatus();
  const attempts = current.attempts + 1;
  const delay = Math.max(failure.retryAfterMs ?? 0, backoffDelayMs(attempts, { baseMs: policy.backoffMs, maxMs: policy.maxBackoffMs, jitter: 'equal' }));
  const next: QueueStatus = {
    ...current,
    attempts,
    permanentFailures: failure.permanent ? current.permanentFailures + 1 : current.permanentFailures,
    lastError: message,
    lastAttemptAt: new Date(clock.now()).toISOString(),
    nextAttemptAt: new Date(clock.now() + delay).toISOString(),
    failuresTotal: current.failuresTotal + 1,
  };
  queue.writeStatus(next);
  return next;
}
