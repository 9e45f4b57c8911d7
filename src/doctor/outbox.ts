import { describeStuckQueue, formatAge, isStuck, oldestPendingSeconds, type QueueHealth } from '../outbox/status';
import { ok, problem, type CheckResult } from './check';

/**
 * The outbox per sink: its oldest undelivered event against
 * outbox.stuckAfterSeconds, and events set aside because a destination kept
 * refusing them. Pure: the queues' health and `now` are given; `redact`
 * cleans recorded error texts.
 */
export interface OutboxCheckInput {
  readonly queues: readonly QueueHealth[];
  readonly configured: ReadonlySet<string>;
  readonly stuckAfterSeconds: number;
  readonly now: Date;
  readonly redact: (text: string) => string;
}

export function checkOutbox(input: OutboxCheckInput): CheckResult[] {
  const { now, stuckAfterSeconds } = input;
  const results: CheckResult[] = [];
  for (const health of input.queues) {
    const name = `outbox ${health.sink}`;
    const lastError = health.lastError ? input.redact(health.lastError) : undefined;
    if (!input.configured.has(health.sink)) {
      if (health.pending > 0) results.push(problem(name, `${health.pending} pending for a sink that is not configured any more`, `configure it again, or discard the queue: nodegrid outbox drop ${health.sink} --yes`));
      continue;
    }
    const age = oldestPendingSeconds(health, now);
    if (isStuck(health, now, stuckAfterSeconds)) {
      results.push(problem(name, `delivery stuck: ${describeStuckQueue(health, now, stuckAfterSeconds, lastError)}`, 'fix what the last error names; `nodegrid outbox flush` tries again now'));
    } else if (age !== undefined) {
      results.push(ok(name, `${health.pending} pending, oldest ${formatAge(age)} (stuck after ${formatAge(stuckAfterSeconds)})${lastError ? `; last error: ${lastError}` : ''}`));
    } else {
      results.push(ok(name, 'nothing pending'));
    }
  }
  for (const health of input.queues) {
    if (health.setAside === 0) continue;
    const n = health.setAside;
    results.push(
      problem(
        `set aside ${health.sink}`,
        `${n} event${n === 1 ? '' : 's'} set aside after the destination kept refusing ${n === 1 ? 'it' : 'them'}${health.lastError ? `: ${input.redact(health.lastError)}` : ''}`,
        `fix the destination in the config, then: nodegrid outbox retry ${health.sink}`,
      ),
    );
  }
  return results;
}
