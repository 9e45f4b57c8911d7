import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { recordPlainEvent } from '../node/record';
import { deliveryBudgetMs, identitySource, lockTimeoutMs, openContext, outboxView } from './context';
import { reportPending, runDelivery } from './delivery';
import { ensureInstanceId } from '../node/identity';
import { updateNodeMetrics } from './node-metrics';
import { pendingSummary } from '../outbox/listing';

export function registerNotifyCommand(program: Command): void {
  program
    .command('notify')
    .description('send a free message from this node to its chat destinations (and every other sink that takes notify events)')
    .argument('<text>', 'the message, e.g. "rolling fed1 to v42"')
    .option('--critical', 'a critical message: reaches critical-only destinations, is never folded into a digest')
    .option('--wait <seconds>', 'how long the command may take, delivery included, counted from its start (env NODEGRID_WAIT, config outbox.waitSeconds, default 10)')
    .option('--no-wait', 'record and queue only; deliver later (outbox flush or the heartbeat)')
    .option('--lock-timeout <seconds>', 'how long to wait for another nodegrid on this node (env NODEGRID_LOCK_TIMEOUT, default 30); exit 75 after')
    .option('--json', 'print the event and what is still pending as JSON')
    .addHelpText(
      'after',
      `
The message is queued durably like a state change, so it survives an outage
and arrives once the destination is back. Exit 0 once queued.

Examples:
  $ nodegrid notify "rolling fed1 to v42"
  $ nodegrid notify "disk 95% full on /data" --critical
  $ nodegrid notify "backup done" --no-wait`,
    )
    .action(async (text: string, options: NotifyOptions, command: Command) => notify(text, options, command));
}

interface NotifyOptions {
  critical?: boolean;
  wait?: string | boolean;
  lockTimeout?: string;
  json?: boolean;
}

async function notify(text: string, options: NotifyOptions, command: Command): Promise<void> {
  if (text.trim() === '') throw new NodegridError('E_BAD_INPUT', 'the message is empty: nodegrid notify "what happened"');
  const context = await openContext(command);
  const budgetMs = deliveryBudgetMs(context, options);
  const lockMs = lockTimeoutMs(options);
  await ensureInstanceId(identitySource(context));
  const event = await recordPlainEvent(context.recordContext({ lockTimeoutMs: lockMs }), {
    kind: 'notify',
    message: text,
    severity: options.critical ? 'critical' : 'chatty',
  });
  const reports = budgetMs > 0 ? await runDelivery(context, budgetMs, true) : [];
  await updateNodeMetrics(context);
  if (context.out.json) {
    context.out.resultJson({ event, pending: pendingSummary(outboxView(context)) });
    return;
  }
  const queued = context.sinks.filter((sink) => sink.accepts(event)).map((sink) => sink.name);
  context.out.result(`${options.critical ? 'critical message' : 'message'} from ${nodeLabel(event.node)} ${queued.length > 0 ? `for ${queued.join(', ')}` : 'recorded (no sink takes notify messages)'}`);
  if (budgetMs > 0) reportPending(context, reports);
}
