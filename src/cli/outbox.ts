import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { unreadableEventCheck } from '../outbox/deliver';
import { listQueues, queueNames, setAsideLine, stuckLine } from '../outbox/listing';
import { existingQueueNames, SinkQueue } from '../outbox/queue';
import { formatAge, readQueueHealth } from '../outbox/status';
import type { SinkDescriptor } from '../sinks/sink';
import { openContext, outboxView, parseSeconds, type CliContext } from './context';
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
  $ nodegrid outbox retry chat:ops
  $ nodegrid outbox drop exec:old-hook --yes

Stuck sinks (undelivered for longer than outbox.stuckAfterSeconds) and events set
aside (a chat, EC2 or exec destination kept refusing them) are listed first.`,
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
    .command('retry')
    .description('put events set aside (refused too often, in failed/) back in the queue, in order, and deliver like flush; exit 4 when something remains')
    .argument('[sink]', 'only this sink (e.g. chat:ops); default: every queue')
    .option('--wait <seconds>', 'time budget for the delivery (default 60)')
    .option('--json', 'print what was put back and the delivery report as JSON')
    .addHelpText(
      'after',
      `
Events keep their sequence-numbered files, so they go out in their original
order. Presence sinks never set events aside (they retry until delivered), but
this also puts back a failed/ folder an older nodegrid left.

Examples:
  $ nodegrid outbox retry                 # every sink
  $ nodegrid outbox retry chat:ops        # after fixing the webhook URL in the config`,
    )
    .action(async (sink: string | undefined, options: { wait?: string; json?: boolean }, command: Command) => retryQueues(command, sink, options));

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

async function listOutbox(command: Command): Promise<void> {
  const context = await openContext(command);
  const listing = await listQueues(outboxView(context));
  if (context.out.json) {
    context.out.resultJson(listing);
    return;
  }
  if (listing.length === 0) {
    context.out.result('no sinks configured and nothing queued');
    return;
  }
  const now = new Date();
  for (const queue of listing.filter((q) => q.stuck)) {
    context.out.result(context.out.paint('red', stuckLine(outboxView(context), readQueueHealth(context.home.outboxDir, queue.sink), now)));
  }
  for (const queue of listing.filter((q) => q.setAside > 0)) context.out.result(context.out.paint('red', `set aside: ${setAsideLine(queue)}`));
  for (const queue of listing) {
    const state = queue.pending === 0 ? context.out.paint('green', 'delivered') : context.out.paint(queue.stuck ? 'red' : 'yellow', `${queue.pending} pending`);
    const extra = [
      queue.configured ? '' : 'not configured any more',
      queue.oldestAgeSeconds !== null ? `oldest ${formatAge(queue.oldestAgeSeconds)} ago` : '',
      queue.stuck ? context.out.paint('red', 'STUCK') : '',
      queue.attempts > 0 ? `${queue.attempts} failed attempt${queue.attempts === 1 ? '' : 's'}` : '',
      queue.setAside > 0 ? context.out.paint('red', `${queue.setAside} set aside`) : '',
    ].filter(Boolean);
    context.out.result(`${queue.sink}: ${state}${extra.length ? ` (${extra.join(', ')})` : ''}`);
    if (queue.lastError && queue.pending + queue.setAside > 0) context.out.result(`  last error: ${queue.lastError}`);
    for (const event of queue.events) context.out.result(`  #${event.seq} ${event.summary}`);
    for (const event of queue.setAsideEvents) context.out.result(`  ${context.out.paint('red', 'set aside')} #${event.seq} ${event.summary}`);
  }
}

async function flushOutbox(command: Command, options: { wait?: string; json?: boolean }): Promise<void> {
  const context = await openContext(command);
  await deliverAndReport(context, context.sinks, (parseSeconds(options.wait, '--wait') ?? 60) * 1000, {});
}

async function retryQueues(command: Command, sink: string | undefined, options: { wait?: string; json?: boolean }): Promise<void> {
  const context = await openContext(command);
  const budgetMs = (parseSeconds(options.wait, '--wait') ?? 60) * 1000;
  if (sink !== undefined) requireQueue(context, sink);
  const names = sink === undefined ? queueNames(outboxView(context)) : [sink];
  const putBack: Record<string, number> = {};
  const isUnreadableEvent = await unreadableEventCheck();
  for (const name of names) {
    const queue = new SinkQueue(context.home.outboxDir, name);
    const moved = queue.putBackFailed(isUnreadableEvent);
    const unreadable = queue.failedFiles().length;
    if (unreadable > 0) context.out.warn(`${name}: ${unreadable} file${unreadable === 1 ? '' : 's'} in ${queue.failedDir} ${unreadable === 1 ? 'is' : 'are'} not a readable event and stay${unreadable === 1 ? 's' : ''} there (look at ${unreadable === 1 ? 'it' : 'them'}, then delete)`);
    if (moved.length === 0) continue;
    putBack[name] = moved.length;
    // A fresh count: the destination gets maxPermanentFailures tries again before anything is set aside.
    queue.writeStatus({ ...queue.readStatus(), attempts: 0, permanentFailures: 0, nextAttemptAt: undefined });
    context.log.write(`outbox retry by an operator: ${moved.length} set-aside event${moved.length === 1 ? '' : 's'} of ${name} put back in the queue: ${moved.join(', ')}`);
  }
  const total = Object.values(putBack).reduce((sum, n) => sum + n, 0);
  if (!context.out.json) {
    const which = Object.entries(putBack).map(([name, n]) => `${name} ${n}`).join(', ');
    context.out.result(total === 0 ? 'nothing was set aside' : `put back ${total} set-aside event${total === 1 ? '' : 's'} (${which})`);
  }
  const descriptors = context.sinks.filter((descriptor) => names.includes(descriptor.name));
  await deliverAndReport(context, descriptors, budgetMs, { putBack });
}

/** Delivers now, ignoring retry timers, prints the report, and fails with E_PENDING when anything is left. */
async function deliverAndReport(context: CliContext, descriptors: readonly SinkDescriptor[], budgetMs: number, extraJson: Record<string, unknown>): Promise<void> {
  const reports = await runDelivery(context, budgetMs, true, descriptors);
  await updateNodeMetrics(context);
  const unconfigured = existingQueueNames(context.home.outboxDir).filter(
    (name) => !context.sinks.some((sink) => sink.name === name) && new SinkQueue(context.home.outboxDir, name).pendingCount() > 0,
  );
  const remaining = reports.reduce((sum, report) => sum + report.pending, 0);
  const setAside = reports.filter((report) => report.setAside > 0);
  if (context.out.json) context.out.resultJson({ ...extraJson, sinks: reports, unconfigured });
  else {
    const delivered = reports.reduce((sum, report) => sum + report.delivered, 0);
    context.out.result(`delivered ${delivered} event${delivered === 1 ? '' : 's'}; ${remaining} pending`);
    reportPending(context, reports);
    for (const report of setAside) context.out.warn(setAsideLine(report));
    for (const name of unconfigured) context.out.warn(`queue ${name} has events but is not configured any more: nodegrid outbox drop ${name} --yes`);
  }
  if (remaining > 0 || unconfigured.length > 0) {
    throw new NodegridError('E_PENDING', `${remaining + unconfigured.length} event(s) still pending`, { hint: 'see: nodegrid outbox' });
  }
}

function requireQueue(context: CliContext, sink: string): void {
  if (!queueNames(outboxView(context)).includes(sink)) {
    throw new NodegridError('E_BAD_INPUT', `no outbox queue named ${JSON.stringify(sink.slice(0, 80))}; queues: ${queueNames(outboxView(context)).join(', ') || 'none'}`);
  }
}

async function dropQueue(command: Command, sink: string, options: { yes?: boolean }): Promise<void> {
  const context = await openContext(command);
  requireQueue(context, sink);
  if (!options.yes) throw new NodegridError('E_BAD_INPUT', `dropping ${sink} deletes its queued events for good; add --yes to confirm`);
  const dropped = new SinkQueue(context.home.outboxDir, sink).removeAll();
  context.log.write(`outbox queue ${sink} dropped by an operator (${dropped} events)`);
  context.out.result(`dropped ${sink} (${dropped} event${dropped === 1 ? '' : 's'})`);
}
