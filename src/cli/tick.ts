import path from 'node:path';
import type { Command } from 'commander';
import { repoDirSetting, type Located } from '../config/load';
import { currentUser } from '../config/paths';
import { NodegridError } from '../core/errors';
import type { AnsweredRequest } from '../heartbeat/requests';
import type { TickEnvironment, TickResult } from '../heartbeat/tick';
import { readNodeRecord, requireIdentity } from '../node/nodeinfo';
import type { QueueHealth } from '../outbox/status';
import { recordPlainEvent, recordStateChange } from '../node/record';
import { identitySource, openContext, outboxView, type CliContext } from './context';
import { runDelivery } from './delivery';
import { ensureInstanceId } from '../node/identity';
import { updateNodeMetrics } from './node-metrics';
import { stuckLine, stuckQueues } from '../outbox/listing';
import { rotateTickLog } from '../heartbeat/tick-log';
import { leaveSignalWiring } from './leave-signals';

export function registerTickCommands(program: Command): void {
  program
    .command('tick')
    .description('one heartbeat: pull the followed repos, run work if something changed, report (what cron runs every minute)')
    .option('--now', 'skip the per-node jitter')
    .option('--repo-dir <dir>', 'the git repos this node follows (env NODEGRID_REPO_DIR, config heartbeat.repoDir)')
    .option('--json', 'print what the beat did as JSON')
    .option('--output-log <file>', 'the file cron appends this output to (install cron sets it): rotated past 1 MiB, FILE.1 kept')
    .addHelpText(
      'after',
      `
Exit 0 when the beat went well (also when another tick's work is still running),
2 when the repo folder named by --repo-dir, NODEGRID_REPO_DIR or heartbeat.repoDir
does not exist (the default one missing is a warning: a node may follow no repos),
3 when this beat's work failed, 5 when a sink has had undelivered events for
longer than outbox.stuckAfterSeconds (default 10 min; logged on every beat). The
beat is recorded and delivery tried before any of these.

A node leaving service (a state in heartbeat.noWorkStates: draining, drained,
decommissioned) pulls nothing and starts no work, but still beats; back in
service, the next tick works what changed meanwhile. After the beat, the
requests written for this node in presence (nodegrid request drain|decommission|
undrain) are acted on, each once, and their outcomes written beside them
(heartbeat.answerRequests; see nodegrid requests).

With ec2.enabled, each tick first asks instance metadata whether the node must
leave: a Spot interruption notice (spot/instance-action) or an Auto Scaling
target lifecycle state of Terminated (or Warmed:*, once the instance has been
InService) starts drain, then decommission,
within the time left (the notice's time; ec2.autoscaling.deadlineSeconds), and
delivers the last word; then, with ec2.autoscaling.lifecycleHook, completes the
lifecycle action (CONTINUE, or ec2.autoscaling.resultOnFailure when a script
failed: exit 3). Each request is acted on once; metadata that cannot be read is
one log line. Off EC2 nothing is asked.

Examples:
  $ nodegrid tick
  $ nodegrid tick --now --json
  $ nodegrid tick --now --json | jq .leftOnSignal     # what a Spot notice or lifecycle hook made it do
  * * * * * root nodegrid tick     # /etc/cron.d/nodegrid (see: nodegrid install cron)`,
    )
    .action(async (options: TickOptions, command: Command) => {
      // First, before the config is read: a tick that fails on a broken config every minute still keeps its log bounded.
      if (options.outputLog) rotateTickLog(path.resolve(options.outputLog));
      const context = await openContext(command);
      const { runTick } = await import('../heartbeat/tick'); // git and work scripts: loaded by the beat only
      const repoDir = repoDirOf(context, options);
      const result = await runTick(await tickEnvironment(context, options, repoDir));
      const requests = await answerRequests(context, repoDir, result);
      await updateNodeMetrics(context, tickTiming(result));
      printTick(context, result, requests);
      const missingRepoDir = checkRepoDir(context, repoDir, result);
      const stuck = reportStuckDelivery(context);
      if (result.workOk === false) throw new NodegridError('E_PROBLEMS_FOUND', 'the work failed this beat (see the log)');
      const stayed = result.leftOnSignal.find((left) => !left.left);
      if (stayed) throw new NodegridError('E_PROBLEMS_FOUND', `asked to leave (${stayed.source}), the node stopped ${stayed.state}: ${stayed.note}`, { hint: 'fix the script; nodegrid drain and nodegrid decommission finish by hand' });
      if (missingRepoDir) throw missingRepoDir;
      if (stuck.length > 0) {
        throw new NodegridError('E_DELIVERY_STUCK', `delivery stuck for ${stuck.map((health) => health.sink).join(', ')}: this node's changes are not reaching ${stuck.length === 1 ? 'it' : 'them'}`, {
          hint: 'see: nodegrid doctor; nodegrid outbox',
        });
      }
    });

  program
    .command('agent')
    .description('beat forever, every heartbeat.intervalSeconds, as a service (SIGTERM: finish the beat, flush, exit 0)')
    .option('--repo-dir <dir>', 'the git repos this node follows')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid agent
  $ nodegrid install systemd     # or run it as a service yourself`,
    )
    .action(async (options: TickOptions, command: Command) => {
      const context = await openContext(command);
      context.log.write(`agent started (pid ${process.pid})`);
      // The loop (and its SIGTERM handling) starts before the beat's code is loaded; neither loads for other commands.
      const { runAgent } = await import('../heartbeat/agent');
      await runAgent({
        intervalMs: context.settings.config.heartbeat.intervalSeconds * 1000,
        beat: async () => {
          const { runTick } = await import('../heartbeat/tick');
          const repoDir = repoDirOf(context, options);
          const result = await runTick(await tickEnvironment(context, { ...options, now: true }, repoDir));
          const requests = await answerRequests(context, repoDir, result);
          await updateNodeMetrics(context, tickTiming(result));
          if (!context.out.json) printTick(context, result, requests);
          // The agent keeps beating: a missing repo folder is said every beat, never a reason to stop.
          const missingRepoDir = checkRepoDir(context, repoDir, result);
          if (missingRepoDir) context.out.warn(missingRepoDir.message);
          reportStuckDelivery(context);
        },
      });
      await runDelivery(context, 5000, true);
      context.log.write('agent stopped');
    });
}

interface TickOptions {
  now?: boolean;
  repoDir?: string;
  outputLog?: string;
}

/** After the beat (its delivery fetched presence): the requests written for this node, each acted on once. */
async function answerRequests(context: CliContext, repoDir: Located, result: TickResult): Promise<AnsweredRequest[]> {
  const { heartbeat, presence } = context.settings.config;
  // No presence to read requests from: nothing is loaded for them (a beat pays only for what it uses).
  if (!heartbeat.answerRequests || (presence.remote === undefined && (presence.remotes ?? []).length === 0 && presence.backend !== 's3')) return [];
  const { answerPresenceRequests } = await import('./tick-requests');
  // A beat delivered everywhere fetched presence on the way: the clone is fresh.
  return answerPresenceRequests(context, repoDir.path, result.beat && result.pending === 0);
}

function repoDirOf(context: CliContext, options: TickOptions): Located {
  return repoDirSetting(options.repoDir, process.env, context.settings.config.heartbeat.repoDir, currentUser());
}

async function tickEnvironment(context: CliContext, options: TickOptions, repoDir: Located): Promise<TickEnvironment> {
  const { config } = context.settings;
  await ensureInstanceId(identitySource(context));
  const record = () => {
    const current = readNodeRecord(context.settings.nodeinfoDir.path);
    return { node: requireIdentity(current, context.settings.nodeinfoDir.path), state: current.state };
  };
  // The beat goes on with a bad labels.txt (warned, its good lines published): a typo must not make a live node look dead.
  const recordContext = context.recordContext({ badLabels: 'skip' });
  return {
    homeDir: context.home.root,
    locksDir: context.home.locksDir,
    repoDir: repoDir.path,
    heartbeat: config.heartbeat,
    beatEveryMinutes: config.presence.heartbeat.everyMinutes,
    log: context.log,
    identity: record,
    wedge: async (note) => {
      await recordStateChange(recordContext, { to: 'wedged', note, force: false });
    },
    notify: async (message) => {
      await recordPlainEvent(recordContext, { kind: 'notify', message });
    },
    wantsHeartbeats: context.sinks.some((sink) => sink.kinds.includes('heartbeat')),
    recordHeartbeat: async () => {
      await recordPlainEvent(recordContext, { kind: 'heartbeat' });
    },
    deliver: (budgetMs) => runDelivery(context, budgetMs, false),
    skipJitter: options.now ?? false,
    ...(await leaveSignalWiring(context, repoDir.path)),
  };
}

/**
 * A repo folder that is not there. Named by --repo-dir, NODEGRID_REPO_DIR or
 * heartbeat.repoDir, the node is misconfigured: an error (exit 2), returned to be
 * thrown after the beat, because a node that stops beating looks dead and gets
 * replaced for a typo. The default folder missing is a warning: a node may follow no repos.
 */
function checkRepoDir(context: CliContext, repoDir: Located, result: TickResult): NodegridError | undefined {
  if (!result.repoDirProblem) return undefined;
  const knob = { flag: '--repo-dir', env: 'NODEGRID_REPO_DIR', config: 'heartbeat.repoDir', default: 'heartbeat.repoDir' }[repoDir.source];
  const setBy =
    repoDir.source === 'config' ? `set by heartbeat.repoDir in ${context.settings.configFile.path}` : repoDir.source === 'default' ? 'the default: no --repo-dir, NODEGRID_REPO_DIR or heartbeat.repoDir is set' : `set by ${knob}`;
  const message = `the repo folder ${repoDir.path} ${result.repoDirProblem} (${setBy}): nothing was pulled and no work ran; the beat went on`;
  if (repoDir.source === 'default') {
    context.out.warn(`${message}; create it (empty is fine) if this node follows no repos, or set heartbeat.repoDir or NODEGRID_REPO_DIR`);
    return undefined;
  }
  return new NodegridError('E_CONFIG', message, { hint: `create it and clone this node's repos into it, or point ${knob} at the folder that holds them` });
}

/** Every beat, one CRITICAL log line (and a warning) per sink stuck past outbox.stuckAfterSeconds. */
function reportStuckDelivery(context: CliContext): QueueHealth[] {
  const now = new Date();
  const stuck = stuckQueues(outboxView(context), now);
  for (const health of stuck) {
    const line = stuckLine(outboxView(context), health, now);
    context.log.write(`CRITICAL: ${line}`);
    if (!context.out.json) context.out.warn(line);
  }
  return stuck;
}

/** For the metrics textfile: when the beat ended and how long it worked (its jitter sleep is not work). */
function tickTiming(result: TickResult): { at: Date; seconds: number } {
  return { at: new Date(), seconds: Math.max(0, result.ms - result.jitterMs) / 1000 };
}

function printTick(context: CliContext, result: TickResult, requests: readonly AnsweredRequest[]): void {
  if (context.out.json) {
    context.out.resultJson({
      ...result,
      requests: requests.map(({ request, outcome, acted, published }) => ({ id: request.id, action: request.action, by: request.by, outcome: outcome.outcome, note: outcome.note, acted, published })),
      pulled: result.pulled.map((p) => ({ repo: path.basename(p.repo), before: p.before, after: p.after, changed: p.changed, error: p.error ?? null })),
    });
    return;
  }
  for (const left of result.leftOnSignal) {
    context.out.info(`asked to leave (${left.source}): ${left.state}: ${left.note}${left.answered ? `; ${left.answered}` : ''}`);
  }
  const changed = result.pulled.filter((p) => p.changed).length;
  const work = result.busy ? 'work still running elsewhere' : result.repoDirProblem ? 'no work run' : result.worked ? `work ${result.workOk ? 'ok' : 'failed'}` : 'no work needed';
  const repos = result.repoDirProblem ? `no repos (the repo folder ${result.repoDirProblem})` : `${result.pulled.length} repos (${changed} changed)`;
  for (const { request, outcome, acted } of requests) context.out.info(`request ${request.id}: ${request.action} by ${request.by}: ${outcome.outcome}${acted ? '' : ' (answered before; outcome written again)'}: ${outcome.note}`);
  context.out.result(`beat: ${repos}, ${work}${result.wedged ? ', node is now wedged' : ''}${result.beat ? ', heartbeat' : ''}${result.pending ? `, ${result.pending} pending` : ''} (${result.ms} ms)`);
}
