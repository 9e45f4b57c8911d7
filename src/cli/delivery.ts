import { deliverPending, type SinkReport } from '../outbox/deliver';
import type { CliContext } from './context';

/** Delivers the outbox with the config's retry policy within a time budget. */
export async function runDelivery(context: CliContext, budgetMs: number, ignoreBackoff: boolean, descriptors = context.sinks): Promise<SinkReport[]> {
  const { outbox } = context.settings.config;
  return deliverPending({
    outboxDir: context.home.outboxDir,
    locksDir: context.home.locksDir,
    descriptors,
    budgetMs,
    ignoreBackoff,
    policy: {
      backoffMs: outbox.backoffSeconds * 1000,
      maxBackoffMs: outbox.maxBackoffSeconds * 1000,
      maxPermanentFailures: outbox.maxPermanentFailures,
    },
    log: context.log,
  });
}

/** "pending: chat:ops (2 events): connection refused" lines for stderr. */
export function reportPending(context: CliContext, reports: readonly SinkReport[]): void {
  for (const report of reports) {
    if (report.pending === 0) continue;
    const why = report.skipped === 'busy' ? 'another nodegrid process is delivering it' : (report.error ?? (report.skipped === 'backoff' ? 'waiting to retry' : 'not delivered yet'));
    context.out.info(`pending: ${report.sink} (${report.pending} event${report.pending === 1 ? '' : 's'}): ${why}`);
  }
}
