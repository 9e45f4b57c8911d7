import { errorMessage } from '../core/errors';
import type { LeaveOutcome, LeaveSignal, LeaveSignalSource } from '../core/leave-signal';
import { formatTimeout } from '../core/time';
import type { NodeLog } from '../sys/log';
import { DECOMMISSION, DRAIN, leaveStep, type LeaveEnvironment, type LeaveResult } from './leave';

/**
 * Leaving because something asked (SPEC §7): a Spot notice, an Auto Scaling
 * lifecycle hook, later a request in presence. The sources are read once per
 * beat; a signal starts drain then decommission within its deadline, the last
 * word is delivered, and only then is the asker told (a lifecycle hook
 * completed), because the instance may be gone a moment after.
 */
export interface SignalLeaveEnvironment {
  readonly steps: LeaveEnvironment;
  readonly sources: readonly LeaveSignalSource[];
  /** Delivers to every sink within the time given; resolves to what is still pending. */
  deliver(budgetMs: number): Promise<number>;
  readonly log: NodeLog;
  readonly now?: () => number;
}

export interface LeaveSignals {
  readonly signals: LeaveSignal[];
  /** The signal sources (`spot`, `autoscaling`) whose source could be read: what they do not ask now is not asked. */
  readonly heard: string[];
}

export interface SignalLeaveResult extends LeaveOutcome {
  readonly source: string;
  readonly id: string;
  readonly steps: Array<{ step: 'drain' | 'decommission'; left: boolean; note: string }>;
  readonly pending: number;
  /** What the asker was told ("CompleteLifecycleAction CONTINUE for …"), or why it could not be. */
  readonly answered: string | null;
}

/** Every source, each bounded by itself; one that cannot be read is a log line and counts as not heard. */
export async function readLeaveSignals(sources: readonly LeaveSignalSource[], now: number, log: NodeLog): Promise<LeaveSignals> {
  const signals: LeaveSignal[] = [];
  const heard: string[] = [];
  for (const source of sources) {
    try {
      const reading = await source.read(now);
      for (const problem of reading.problems) log.write(`leave signals: ${source.name}: ${problem}; not acted on`);
      signals.push(...reading.signals);
      heard.push(...source.asks);
    } catch (error) {
      log.write(`leave signals: ${source.name} not read: ${errorMessage(error)}`);
    }
  }
  return { signals, heard };
}

/** Least time kept for delivering the last word, as `decommission` keeps. */
const MIN_DELIVERY_MS = 5000;

export async function leaveOnSignal(env: SignalLeaveEnvironment, signal: LeaveSignal): Promise<SignalLeaveResult> {
  const now = env.now ?? Date.now;
  const deadline = now() + signal.deadlineMs;
  // Decommission and delivery keep a quarter of the deadline, at most a minute, whatever the drain takes.
  const reserveMs = Math.min(60_000, signal.deadlineMs / 4);
  const source = env.sources.find((candidate) => candidate.asks.includes(signal.source));
  const steps: SignalLeaveResult['steps'] = [];
  env.log.write(`leaving: ${signal.note}: drain and decommission within ${formatTimeout(signal.deadlineMs)}`);

  const stopWaiting = keepAskerWaiting(env, source, signal);
  let last: LeaveResult | undefined;
  let pending: number;
  try {
    const { state } = env.steps.identity();
    if (state !== 'decommissioned') {
      if (signal.step === 'drain' && state !== 'drained') {
        last = await leaveStep(env.steps, DRAIN, { deadlineMs: Math.max(1000, deadline - reserveMs - now()), forceAfter: false, note: signal.note });
        steps.push({ step: 'drain', left: last.left, note: last.note });
      }
      if (!last || last.left) {
        last = await leaveStep(env.steps, DECOMMISSION, { deadlineMs: Math.max(1000, deadline - MIN_DELIVERY_MS - now()), forceAfter: false, note: signal.note });
        steps.push({ step: 'decommission', left: last.left, note: last.note });
      }
    }
    pending = await env.deliver(Math.max(MIN_DELIVERY_MS, deadline - now()));
  } finally {
    stopWaiting();
  }

  const state = env.steps.identity().state ?? 'unknown';
  const outcome: LeaveOutcome = { left: state === 'decommissioned', state, note: last?.note ?? `already ${state}` };
  let answered: string | null = null;
  try {
    answered = (await source?.answer?.(signal, outcome)) ?? null;
    if (answered) env.log.write(`leaving: ${answered}`);
  } catch (error) {
    answered = `not told: ${errorMessage(error)}`;
    env.log.write(`leaving: ${signal.source} ${answered}`);
  }
  env.log.write(`leaving: ${signal.source}: ${outcome.left ? 'decommissioned' : `stopped ${state}`}: ${outcome.note}${pending > 0 ? `; ${pending} pending` : ''}`);
  return { ...outcome, source: signal.source, id: signal.id, steps, pending, answered };
}

/** The source's keep-waiting call every so often while the node leaves; resolves to its stop. */
function keepAskerWaiting(env: SignalLeaveEnvironment, source: LeaveSignalSource | undefined, signal: LeaveSignal): () => void {
  if (!source?.keepWaiting || !source.keepWaitingEveryMs) return () => undefined;
  let busy = false;
  const timer = setInterval(() => {
    // One call at a time: a throttled heartbeat is not stacked under the next.
    if (busy) return;
    busy = true;
    source.keepWaiting!(signal)
      .then((did) => did && env.log.write(`leaving: ${did}`))
      .catch((error: unknown) => env.log.write(`leaving: ${signal.source} not kept waiting: ${errorMessage(error)}`))
      .finally(() => (busy = false));
  }, source.keepWaitingEveryMs);
  return () => clearInterval(timer);
}
