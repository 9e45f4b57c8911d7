import path from 'node:path';
import type { Command } from 'commander';
import { repoDirSetting } from '../config/load';
import { currentUser } from '../config/paths';
import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { formatTimeout, parseDuration } from '../core/time';
import type { LeaveEnvironment, LeaveResult } from '../heartbeat/leave';
import { ensureInstanceId } from '../node/identity';
import { readNodeRecord, requireIdentity } from '../node/nodeinfo';
import { recordStateChange } from '../node/record';
import { acquireLock } from '../sys/lock';
import { identitySource, openContext, type CliContext } from './context';
import { reportPending, runDelivery } from './delivery';
import { updateNodeMetrics } from './node-metrics';

/**
 * `drain` and `decommission`: leaving service as a lifecycle (SPEC §7). The
 * steps themselves are heartbeat/leave.ts; here are the flags, the node's
 * record and delivery, and the exit codes.
 */
function withLeaveOptions(command: Command): Command {
  return command
    .option('--deadline <duration>', 'how long the whole step may take, scripts included (default 10m)')
    .option('--force-after', 'after a failing script or the deadline, move on anyway (the note says so)')
    .option('--note <text>', 'the reason, on the first state change')
    .option('--repo-dir <dir>', 'the git repos this node follows (env NODEGRID_REPO_DIR, config heartbeat.repoDir)')
    .option('--json', 'print the outcome as JSON');
}

export function registerDrainCommand(program: Command): void {
  withLeaveOptions(program.command('drain').description('stop taking work: draining, run the drain.sh scripts within the deadline, then drained')).addHelpText(
    'after',
    `
The drain.sh scripts are looked up where work.sh scripts are (bin/nodework/common,
part/<nodepart>, stacktype/<stacktype>, stacktype/<stacktype>/part/<nodepart> in the
node's config repo) and run in that order with the work scripts' environment plus
NODEGRID_DEADLINE (ISO) and NODEGRID_DEADLINE_SECONDS; each gets what is left of
the deadline at most (and heartbeat.workTimeoutSeconds). Work a tick is running
finishes first; while draining, tick starts no new work (heartbeat.noWorkStates).
All succeed: drained, exit 0. One fails or the deadline passes: the node stays
draining with a note naming the script, its exit and its last output, exit 3;
with --force-after it goes to drained anyway, and the note says why.

Examples:
  $ nodegrid drain --deadline 5m --note "scale-in"
  $ nodegrid drain --deadline 2m --force-after && nodegrid decommission`,
  ).action(async (options: LeaveFlags, command: Command) => leave(command, options, 'drain'));
}

export function registerDecommissionCommand(program: Command): void {
  withLeaveOptions(program.command('decommission').description("leave for good: run the decommission.sh scripts, record decommissioned, deliver everywhere before returning"))
    .option('--force', 'from any state, not only drained')
    .addHelpText(
      'after',
      `
From drained (or any state with --force), the decommission.sh scripts run like
drain's; then decommissioned is recorded and every sink is delivered to within
what is left of the deadline, so the last word of a node about to be terminated
reaches presence, chat and tags. Exit 0 when it was delivered everywhere, 4 when
something is still pending (the outbox keeps it), 3 when a script failed (the
node stays drained, with the note), 2 when the node is not drained.

Examples:
  $ nodegrid decommission --note "replaced by i-0b1c2d3e"
  $ nodegrid decommission --force --deadline 90s     # a Spot interruption: two minutes left`,
    )
    .action(async (options: LeaveFlags, command: Command) => leave(command, options, 'decommission'));
}

interface LeaveFlags {
  deadline?: string;
  forceAfter?: boolean;
  force?: boolean;
  note?: string;
  repoDir?: string;
  json?: boolean;
}

const DEFAULT_DEADLINE = '10m';
/** The least a decommission keeps for delivering its last word. */
const MIN_DELIVERY_MS = 5000;

async function leave(command: Command, flags: LeaveFlags, which: 'drain' | 'decommission'): Promise<void> {
  const started = Date.now();
  const deadlineMs = parseDuration(flags.deadline ?? DEFAULT_DEADLINE, 's');
  if (deadlineMs === undefined || deadlineMs < 1000) throw new NodegridError('E_BAD_INPUT', `--deadline ${describeValue(flags.deadline ?? '')} is not a duration of at least 1 s, such as 90s, 10m or 1h`);
  const context = await openContext(command);
  await ensureInstanceId(identitySource(context));
  const { DRAIN, DECOMMISSION, leaveStep } = await import('../heartbeat/leave');
  const step = which === 'drain' ? DRAIN : DECOMMISSION;
  const current = readNodeRecord(context.settings.nodeinfoDir.path).state;
  if (which === 'decommission' && current !== 'drained' && !flags.force) {
    throw new NodegridError('E_ILLEGAL_TRANSITION', `the node is ${current ?? 'in no state yet'}, not drained: drain it first, or decommission --force`, { hint: 'nodegrid drain --deadline 5m && nodegrid decommission' });
  }
  const repoDir = repoDirSetting(flags.repoDir, process.env, context.settings.config.heartbeat.repoDir, currentUser()).path;
  // decommission --force leaves from any state.
  const forced = (to: string): boolean => to === step.done && step.done === 'decommissioned' && flags.force === true;
  const result = await leaveStep(leaveEnvironment(context, repoDir, forced), step, { deadlineMs, forceAfter: flags.forceAfter ?? false, note: flags.note });
  // The last word reaches every sink within what is left (a decommissioning node may be gone in a minute).
  const budgetMs = Math.max(MIN_DELIVERY_MS, deadlineMs - (Date.now() - started));
  const reports = await runDelivery(context, budgetMs, true);
  await updateNodeMetrics(context);
  const pending = reports.reduce((sum, report) => sum + report.pending, 0);
  print(context, result, pending);
  reportPending(context, reports);
  if (!result.left) throw new NodegridError('E_PROBLEMS_FOUND', `${which} did not complete: ${result.note}`, { hint: `fix the script and run nodegrid ${which} again, or add --force-after` });
  if (which === 'decommission' && pending > 0) throw new NodegridError('E_PENDING', `decommissioned, but ${pending} event${pending === 1 ? ' is' : 's are'} still pending after ${formatTimeout(budgetMs)}: the outbox keeps them for whoever runs nodegrid next on this node`);
}

/**
 * The node's record, its work lock and its scripts for heartbeat/leave.ts; `forced(to)` says which moves skip the lifecycle's edges.
 * A bad labels.txt warns rather than refusing here: a node on its way out (often on a deadline) must not be held by a label typo.
 */
export function leaveEnvironment(context: CliContext, repoDir: string, forced: (to: string) => boolean): LeaveEnvironment {
  const recordContext = context.recordContext({ badLabels: 'skip' });
  return {
    repoDir,
    scriptTimeoutMs: context.settings.config.heartbeat.workTimeoutSeconds * 1000,
    log: context.log,
    identity: () => {
      const record = readNodeRecord(context.settings.nodeinfoDir.path);
      return { node: requireIdentity(record, context.settings.nodeinfoDir.path), state: record.state };
    },
    setState: async (to, note, reannounce = false) => {
      // A failing step re-announces its state with the reason.
      await recordStateChange(recordContext, { to, note, force: reannounce || forced(to) });
    },
    lockWork: async (timeoutMs) => {
      const lock = await acquireLock(path.join(context.home.locksDir, 'work.lock'), { timeoutMs, what: 'the work lock' });
      return () => lock.release();
    },
  };
}

function print(context: CliContext, result: LeaveResult, pending: number): void {
  if (context.out.json) {
    context.out.resultJson({ ...result, pending });
    return;
  }
  for (const script of result.scripts) context.out.info(`${script.script}: ${script.ok ? 'ok' : script.timedOut ? 'timed out' : `exit ${script.exitCode}`} (${script.ms} ms)`);
  context.out.result(`${result.state}: ${result.note}`);
}
