import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { isValidStateName, stateDefinition } from '../core/lifecycle';
import { parseTss, humanTime } from '../core/time';
import { TIME_SPEC_EXAMPLES, tssAtOrAfter } from '../core/time-spec';
import { readNodeRecord } from '../node/nodeinfo';
import { noteOfChange, readAll as readStateNotes } from '../node/state-notes';
import { recordStateChange, recoverInterruptedChange } from '../node/record';
import { redactSecrets } from '../core/secrets';
import { oldestPendingSeconds } from '../outbox/status';
import { deliveryBudgetMs, identitySource, lockTimeoutMs, openContext, outboxView } from './context';
import { parseTimeOption } from './time-option';
import { reportPending, runDelivery } from './delivery';
import { ensureInstanceId } from '../node/identity';
import { updateNodeMetrics } from './node-metrics';
import { styleForColor } from './output';
import { pendingSummary, setAsideLine, setAsideQueues, stuckLine, stuckQueues } from '../outbox/listing';

export function registerStateCommands(program: Command): void {
  const state = program
    .command('state')
    .description("show this node's lifecycle state")
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid state                  # initdone since 2015-10-08 17:48:30 UTC (i-4e7cb59a:fed1/db1)
  $ nodegrid state --json
  $ nodegrid state set setup
  $ nodegrid state log`,
    )
    .action(async (_options: unknown, command: Command) => showState(command));

  state
    .command('set')
    .description('record a state change on this node and send it to every configured place')
    .argument('<state>', 'the new state (presetup, setup, initdone, running, draining, drained, wedged, decommissioned, or one from config)')
    .option('--note <text>', 'the reason for the change: shown in chat and the log, kept in presence (the document, its history) and by state, state log, history, nodes -o wide and the dashboard')
    .option('--force', 'allow a transition the lifecycle graph does not, or re-announce the current state')
    .option('--wait <seconds>', 'how long the command may take, delivery included, counted from its start (env NODEGRID_WAIT, config outbox.waitSeconds, default 10)')
    .option('--no-wait', 'record and queue only; deliver later (outbox flush or the heartbeat)')
    .option('--lock-timeout <seconds>', 'how long to wait for another nodegrid on this node (env NODEGRID_LOCK_TIMEOUT, default 30); exit 75 after')
    .option('--json', 'print the event and the delivery report as JSON')
    .addHelpText(
      'after',
      `
The change is written on the node first (state.txt, statetss.txt, statelog.txt,
the log) and queued durably for every sink; then delivery is tried within --wait.
Exit 0 once recorded on the node, even when a destination is down (it stays queued).

Examples:
  $ nodegrid state set setup
  $ nodegrid state set initdone --note "init took 104 s"
  $ nodegrid state set wedged --note "work.sh failed 3 times"
  $ nodegrid state set setup --force --no-wait      # from wedged after fixing the DNA`,
    )
    .action(async (target: string, options: SetOptions, command: Command) => setState(target, options, command));

  state
    .command('log')
    .description('every state change of this node, oldest first')
    .option('--since <time>', `only the changes at or after this time: ${TIME_SPEC_EXAMPLES}`)
    .option('--json', 'print a JSON array of {state, tss, time, note}')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid state log
  $ nodegrid state log --since -1h
  $ nodegrid state log --json | jq -r '.[].state'`,
    )
    .action(async (options: { since?: string }, command: Command) => showLog(options, command));
}

interface SetOptions {
  note?: string;
  force?: boolean;
  wait?: string | boolean;
  lockTimeout?: string;
  json?: boolean;
}

async function setState(target: string, options: SetOptions, command: Command): Promise<void> {
  if (!isValidStateName(target)) {
    throw new NodegridError('E_BAD_INPUT', `${JSON.stringify(target.slice(0, 40))} is not a state name (1-32 characters from A-Z a-z 0-9 _ -)`);
  }
  const context = await openContext(command);
  const budgetMs = deliveryBudgetMs(context, options);
  const lockMs = lockTimeoutMs(options);
  await ensureInstanceId(identitySource(context));
  const result = await recordStateChange(context.recordContext({ lockTimeoutMs: lockMs }), {
    to: target,
    note: options.note,
    force: options.force ?? false,
  });
  if (result.kind === 'noop') {
    await updateNodeMetrics(context);
    if (context.out.json) context.out.resultJson({ changed: false, state: result.state, reason: result.reason });
    else context.out.info(result.reason);
    return;
  }
  const { event } = result;
  const reports = budgetMs > 0 ? await runDelivery(context, budgetMs, true) : [];
  await updateNodeMetrics(context);
  if (context.out.json) {
    context.out.resultJson({ changed: true, event, pending: pendingSummary(outboxView(context)) });
    return;
  }
  const color = styleForColor(stateDefinition(context.settings.lifecycle, event.state ?? '').color);
  context.out.result(`${event.from ?? 'none'} -> ${context.out.paint(color, event.state ?? '')} (${nodeLabel(event.node)})`);
  if (budgetMs === 0) {
    const queued = context.sinks.filter((sink) => sink.accepts(event)).map((sink) => sink.name);
    if (queued.length > 0) context.out.info(`queued for ${queued.join(', ')}`);
  } else reportPending(context, reports);
}

async function showState(command: Command): Promise<void> {
  const context = await openContext(command);
  await recoverInterruptedChange(context.recordContext(), (message) => context.out.warn(message));
  const record = readNodeRecord(context.settings.nodeinfoDir.path);
  // Stuck delivery first: a node whose presence does not move looks dead to the grid.
  const now = new Date();
  const stuck = stuckQueues(outboxView(context), now);
  const setAside = setAsideQueues(outboxView(context));
  if (!context.out.json) {
    for (const health of stuck) context.out.warn(stuckLine(outboxView(context), health, now));
    for (const health of setAside) context.out.warn(setAsideLine(health));
  }
  for (const problem of record.problems) context.out.warn(problem);
  const id = record.identity;
  if (context.out.json) {
    context.out.resultJson({
      id: id.id ?? null,
      deployment: id.deployment ?? null,
      nodepart: id.nodepart ?? null,
      stacktype: id.stacktype ?? null,
      initgitrepo: id.initgitrepo ?? null,
      state: record.state ?? null,
      statetss: record.statetss ?? null,
      since: record.statetss ? (parseTss(record.statetss)?.toISOString() ?? null) : null,
      note: noteOfChange(context.home.stateNotesFile, record.state, record.statetss) ?? null,
      statelog: record.statelog,
      pending: pendingSummary(outboxView(context)),
      stuck: stuck.map((health) => ({ sink: health.sink, pending: health.pending, oldestAgeSeconds: oldestPendingSeconds(health, now) ?? 0, lastError: health.lastError ? redactSecrets(health.lastError, context.secrets) : null })),
      setAside: Object.fromEntries(setAside.map((health) => [health.sink, health.setAside])),
    });
    return;
  }
  const label = id.id ? nodeLabel({ ...id, id: id.id }) : 'no instance id yet';
  if (!record.state) {
    context.out.result(`no state yet (${label})`);
    return;
  }
  const since = record.statetss ? parseTss(record.statetss) : undefined;
  const color = styleForColor(stateDefinition(context.settings.lifecycle, record.state).color);
  context.out.result(`${context.out.paint(color, record.state)}${since ? ` since ${humanTime(since)}` : ''} (${label})`);
  const note = noteOfChange(context.home.stateNotesFile, record.state, record.statetss);
  if (note) context.out.result(`note: ${indentLines(note, '      ')}`);
}

/** A multi-line note (a script's output tail) stays readable under its label. */
function indentLines(text: string, indent: string): string {
  return text.trimEnd().split('\n').join(`\n${indent}`);
}

async function showLog(options: { since?: string }, command: Command): Promise<void> {
  const since = options.since === undefined ? undefined : parseTimeOption('--since', options.since);
  const context = await openContext(command);
  const record = readNodeRecord(context.settings.nodeinfoDir.path);
  for (const problem of record.problems) context.out.warn(problem);
  const notes = new Map(readStateNotes(context.home.stateNotesFile).map((entry) => [`${entry.state}:${entry.tss}`, entry.note]));
  const rows = record.statelog.filter((entry) => !since || tssAtOrAfter(entry.tss, since)).map((entry) => ({ ...entry, time: parseTss(entry.tss)?.toISOString() ?? null, note: notes.get(`${entry.state}:${entry.tss}`) ?? null }));
  if (context.out.json) {
    context.out.resultJson(rows);
    return;
  }
  if (rows.length === 0) context.out.info(since && record.statelog.length > 0 ? `no state changes since ${humanTime(since)} (${record.statelog.length} before)` : 'no state changes recorded yet');
  for (const row of rows) {
    const color = styleForColor(stateDefinition(context.settings.lifecycle, row.state).color);
    const state = context.out.paint(color, row.state);
    const when = row.time ? humanTime(new Date(row.time)) : row.tss;
    context.out.result(row.note ? `${when}  ${state.padEnd(14 + state.length - row.state.length)} ${indentLines(row.note, ' '.repeat(when.length + 17))}` : `${when}  ${state}`);
  }
}
