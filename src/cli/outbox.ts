import path from 'node:path';
import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { describeEvent, type NodeEvent } from '../core/event';
import { redactSecrets } from '../core/secrets';
import { readTextIfExists } from '../node/files';
import { existingQueueNames, SinkQueue } from '../outbox/queue';
import { openContext, parseSeconds, type CliContext } from './context';
import { reportPending, runDelivery } from './delivery';
import { updateNodeMetrics } from './node-metrics';

export function registerOutboxCommands(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('what has not reached its destinations yet, per sink')
    .option('--json', 'print a JSON array, one object per sink')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid outbox
  $ nodegrid outbox --json | jq '.[] | select(.pending > 0)'
  $ nodegrid outbox flush
  $ nodegrid outbox drop exec:old-hook --yes`,
    )
    .action(async (_options: unknown, command: Command) => listOutbox(command));

  outbox
    .command('flush')
    .description('deliver every pending event now, ignoring retry timers; exit 4 when something remains')
    .option('--wait <seconds>', 'time budget for the whole flush (default 60)')
    .option('--json', 'print the delivery report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid outbox flush
  $ nodegrid outbox flush --wait 5 || echo "still pending"`,
    )
    .action(async (options: { wait?: string; json?: boolean }, command: Command) => flushOutbox(command, options));

  outbox
    .command('drop')
    .description('discard a sink queue, for a destination that was retired')
    .argument('<sink>', 'the sink name as listed by `nodegrid outbox` (e.g. exec:old-hook)')
    .option('--yes', 'confirm: the queued events are deleted and never delivered')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid outbox drop chat:old-room --yes`,
    )
    .action(async (sink: string, options: { yes?: boolean }, command: Command) => dropQueue(command, sink, options));
}

interface QueueListing {
  sink: string;
  configured: boolean;
  pending: number;
  failed: number;
  oldestAgeSeconds: number | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  events: Array<{ seq: number; kind: string; summary: string; time: string }>;
  failedEvents: Array<{ seq: number; kind: string; summary: string }>;
}

function queueNames(context: CliContext): string[] {
  return [...new Set([...context.sinks.map((sink) => sink.name), ...existingQueueNames(context.home.outboxDir)])].sort();
}

function readEvent(file: string): NodeEvent | undefined {
  try {
    return JSON.parse(readTextIfExists(file) ?? '') as NodeEvent;
  } catch {
    return undefined;
  }
}

export function listQueues(context: CliContext, now = Date.now()): QueueListing[] {
  const configured = new Set(context.sinks.map((sink) => sink.name));
  return queueNames(context).map((name) => {
    const queue = new SinkQueue(context.home.outboxDir, name);
    const status = queue.readStatus();
    const events = queue.peek(Number.MAX_SAFE_INTEGER).map(({ event }) => ({ seq: event.seq, kind: event.kind, summary: describeEvent(event), time: event.time }));
    const failedEvents = queue.failedFiles().flatMap((file) => {
      const event = readEvent(path.join(queue.failedDir, file));
      return event ? [{ seq: event.seq, kind: event.kind, summary: describeEvent(event) }] : [];
    });
    const oldest = events[0] ? Date.parse(events[0].time) : undefined;
    return {
      sink: name,
      configured: configured.has(name),
      pending: events.length,
      failed: failedEvents.length,
      oldestAgeSeconds: oldest === undefined ? null : Math.max(0, Math.round((now - oldest) / 1000)),
      attempts: status.attempts,
      lastError: status.lastError ? redactSecrets(status.lastError, context.secrets) : null,
      nextAttemptAt: status.nextAttemptAt ?? null,
      events,
      failedEvents,
    };
  });
}

/** Pending events per sink, for `state --json`. */
export function pendingSummary(context: CliContext): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const name of queueNames(context)) summary[name] = new SinkQueue(context.home.outboxDir, name).pendingCount();
  return summary;
}

async function listOutbox(command: Command): Promise<void> {
  const context = await openContext(command);
  const listing = listQueues(context);
  if (context.out.json) {
    context.out.resultJson(listing);
    return;
  }
  if (listing.length === 0) {
    context.out.result('no sinks configured and nothing queued');
    return;
  }
  for (const queue of listing) {
    const state = queue.pending === 0 ? context.out.paint('green', 'delivered') : context.out.paint('yellow', `${queue.pending} pending`);
    const extra = [
      queue.configured ? '' : 'not configured any more',
      queue.oldestAgeSeconds !== null ? `oldest ${formatAge(queue.oldestAgeSeconds)}` : '',
      queue.attempts > 0 ? `${queue.attempts} failed attempt${queue.attempts === 1 ? '' : 's'}` : '',
      queue.failed > 0 ? context.out.paint('red', `${queue.failed} given up`) : '',
    ].filter(Boolean);
    context.out.result(`${queue.sink}: ${state}${extra.length ? ` (${extra.join(', ')})` : ''}`);
    if (queue.lastError && queue.pending + queue.failed > 0) context.out.result(`  last error: ${queue.lastError}`);
    for (const event of queue.events) context.out.result(`  #${event.seq} ${event.summary}`);
    for (const event of queue.failedEvents) context.out.result(`  ${context.out.paint('red', 'gave up')} #${event.seq} ${event.summary}`);
  }
}

async function flushOutbox(command: Command, options: { wait?: string; json?: boolean }): Promise<void> {
  const context = await openContext(command);
  const budgetMs = (parseSeconds(options.wait, '--wait') ?? 60) * 1000;
  const reports = await runDelivery(context, budgetMs, true);
  await updateNodeMetrics(context);
  const unconfigured = existingQueueNames(context.home.outboxDir).filter(
    (name) => !context.sinks.some((sink) => sink.name === name) && new SinkQueue(context.home.outboxDir, name).pendingCount() > 0,
  );
  const remaining = reports.reduce((sum, report) => sum + report.pending, 0);
  if (context.out.json) context.out.resultJson({ sinks: reports, unconfigured });
  else {
    const delivered = reports.reduce((sum, report) => sum + report.delivered, 0);
    context.out.result(`delivered ${delivered} event${delivered === 1 ? '' : 's'}; ${remaining} pending`);
    reportPending(context, reports);
    for (const name of unconfigured) context.out.warn(`queue ${name} has events but is not configured any more: nodegrid outbox drop ${name} --yes`);
  }
  if (remaining > 0 || unconfigured.length > 0) {
    throw new NodegridError('E_PENDING', `${remaining + unconfigured.length} event(s) still pending`, { hint: 'see: nodegrid outbox' });
  }
}

async function dropQueue(command: Command, sink: string, options: { yes?: boolean }): Promise<void> {
  const context = await openContext(command);
  if (!queueNames(context).includes(sink)) {
    throw new NodegridError('E_BAD_INPUT', `no outbox queue named ${JSON.stringify(sink.slice(0, 80))}; queues: ${queueNames(context).join(', ') || 'none'}`);
  }
  if (!options.yes) throw new NodegridError('E_BAD_INPUT', `dropping ${sink} deletes its queued events for good; add --yes to confirm`);
  const dropped = new SinkQueue(context.home.outboxDir, sink).removeAll();
  context.log.write(`outbox queue ${sink} dropped by an operator (${dropped} events)`);
  context.out.result(`dropped ${sink} (${dropped} event${dropped === 1 ? '' : 's'})`);
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}
