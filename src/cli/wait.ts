import type { Command } from 'commander';
import { errorMessage, NodegridError, type ErrorCode } from '../core/errors';
import { assertInstanceId, describeValue } from '../core/ids';
import { formatTimeout, parseDuration } from '../core/time';
import { checkStates, parseGridFilter } from '../grid/query';
import { nodeJson, type GridNode } from '../grid/view';
import { describeWait, evaluateWait, type WaitCondition, type WaitReading } from '../grid/wait';
import { presenceRemotes } from '../presence/git/remotes';
import { openPresence } from '../presence/open';
import type { PresenceView } from '../presence/store';
import { sleep } from '../sys/sleep';
import { openContext, type CliContext } from './context';
import { addGridSourceOptions, openGrid, type GridSourceFlags } from './grid-source';
import type { Output } from './output';
import { addSelectorOption, SELECTOR_HELP } from './selector-option';

export function registerWaitCommand(program: Command): void {
  const command = program
    .command('wait')
    .description('wait until a node, or N live nodes of a deployment/nodepart, are in a state; exit 3 at the timeout')
    .requiredOption('--state <states>', 'the state to wait for; several comma-separated mean any of them (initdone,running)')
    .option('--id <id>', 'this node: in the state, and not stale or zombie')
    .option('--deployment <name>', 'nodes of this deployment')
    .option('--nodepart <name>', 'nodes of this nodepart')
    .option('--stacktype <name>', 'nodes of this stacktype');
  addSelectorOption(command)
    .option('--count <n>', 'with --deployment/--nodepart/--stacktype/-l: at least this many live nodes (default 1)')
    .option('--timeout <duration>', 'give up after this long: 30s, 10m, 1h (default 10m; 0 reads once)')
    .option('--interval <duration>', 'read presence again this often, at least 1s (default 10s)')
    .option('--json', 'print the matching nodes as a JSON array (as nodes --json) instead of their ids')
    .option('-q, --quiet', 'no progress lines on stderr (warnings and errors still)');
  addGridSourceOptions(command, false).addHelpText(
    'after',
    `
Reads presence every --interval (a remote is fetched again each time) until
the condition holds, then prints the matching node ids (or --json) and exits 0.
A node counts when its state is one of --state and its health is not stale or
zombie: alive, or new (its change published, its first heartbeat not due yet).
Progress goes to stderr when it changes; a read that fails (a remote down, a
repository nobody has published to yet) is a warning, and the next one is tried.
-l selects a group by labels, alone or with --deployment/--nodepart/--stacktype.
${SELECTOR_HELP}

Exit codes: 0 the condition holds; 3 --timeout passed first; 69 (or the read's
own code) presence could not be read once in all that time; 2 bad input, before
any waiting; 130 Ctrl-C, 143 SIGTERM (a read in progress is finished first).

Examples:
  $ nodegrid wait --state initdone --deployment fed1 --nodepart db1 --count 2 --timeout 10m
  $ nodegrid wait --state initdone,running --id i-4e7cb59a --timeout 5m --interval 15s
  $ nodegrid wait --state running -l role=primary,env=prod --timeout 5m
  $ for db in $(nodegrid wait --state initdone --nodepart db1 --quiet); do echo "partner $db"; done
  $ nodegrid wait --state running --deployment fed1 --nodepart app1 --json | jq -r '.[].fields.privateIp'`,
  );
  command.action(async (options: WaitOptions, cmd: Command) => waitFor(cmd, options));
}

interface WaitOptions extends GridSourceFlags {
  state: string;
  id?: string;
  deployment?: string;
  nodepart?: string;
  stacktype?: string;
  selector?: string[];
  count?: string;
  timeout?: string;
  interval?: string;
  json?: boolean;
  quiet?: boolean;
}

const DEFAULT_TIMEOUT = '10m';
const DEFAULT_INTERVAL = '10s';

async function waitFor(command: Command, options: WaitOptions): Promise<void> {
  const condition = parseCondition(options);
  const timeoutMs = parseSpan(options.timeout ?? DEFAULT_TIMEOUT, '--timeout', 0);
  const intervalMs = parseSpan(options.interval ?? DEFAULT_INTERVAL, '--interval', 1000);
  const started = Date.now();
  const context = await openContext(command);
  const reading = await poll({ context: quietRepeats(context), options, condition, started, timeoutMs, intervalMs });
  if (options.json) context.out.resultJson(reading.matching.map(nodeJson));
  else for (const node of reading.matching) context.out.result(node.id);
  if (!options.quiet) context.out.info(`${describeWait(condition)}: holds after ${formatTimeout(Date.now() - started)}`);
}

function parseCondition(options: WaitOptions): WaitCondition {
  const filter = parseGridFilter(options);
  const states = filter.states!;
  const grouped = options.deployment !== undefined || options.nodepart !== undefined || options.stacktype !== undefined || filter.labels !== undefined;
  if (options.id !== undefined) {
    if (grouped) throw new NodegridError('E_BAD_INPUT', 'give --id ID, or --deployment/--nodepart/--stacktype/-l, not both', { hint: 'with --id the node is named; the others select a group of nodes (with --count)' });
    if (options.count !== undefined) throw new NodegridError('E_BAD_INPUT', '--count goes with --deployment/--nodepart/--stacktype/-l, not --id');
    return { target: { kind: 'node', id: assertInstanceId(options.id, '--id') }, states };
  }
  if (!grouped) throw new NodegridError('E_BAD_INPUT', 'say what to wait for: --id ID, or --deployment D and/or --nodepart P (or -l key=value)', { hint: 'e.g. nodegrid wait --state initdone --deployment fed1 --nodepart db1 --count 2' });
  const count = options.count === undefined ? 1 : Number(options.count);
  if (!/^\d+$/.test(options.count ?? '1') || !Number.isSafeInteger(count) || count < 1) {
    throw new NodegridError('E_BAD_INPUT', `--count must be a whole number of at least 1, got ${describeValue(options.count ?? '')}`);
  }
  return { target: { kind: 'group', deployment: filter.deployment, nodepart: filter.nodepart, stacktype: filter.stacktype, labels: filter.labels, count }, states };
}

function parseSpan(text: string, flag: string, minMs: number): number {
  const ms = parseDuration(text, 's');
  if (ms === undefined || ms < minMs || ms > MAX_SPAN_MS) {
    throw new NodegridError('E_BAD_INPUT', `${flag} ${describeValue(text)} is not a duration${minMs > 0 ? ` of at least ${formatTimeout(minMs)}` : ''} up to 7 days, such as 30s, 10m or 1h`);
  }
  return ms;
}

const MAX_SPAN_MS = 7 * 86_400_000;

interface Polling {
  readonly context: CliContext;
  readonly options: WaitOptions;
  readonly condition: WaitCondition;
  /** Epoch ms; the last read starts at started + timeoutMs. */
  readonly started: number;
  readonly timeoutMs: number;
  readonly intervalMs: number;
}

/**
 * Reads until the condition holds or the deadline passes; the last read is
 * at the deadline. Ctrl-C or SIGTERM ends the sleep at once (a read in
 * progress is finished first: its git is bounded by the budget below); a
 * second one ends the process as the signal does.
 */
async function poll(polling: Polling): Promise<WaitReading> {
  const { context, condition, intervalMs } = polling;
  const deadline = polling.started + polling.timeoutMs;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => stop.abort(signal);
  const caught = (): NodeJS.Signals | undefined => (stop.signal.aborted ? (stop.signal.reason as NodeJS.Signals) : undefined);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const what = describeWait(condition);
  let statesChecked = false;
  let lastProgress: string | undefined;
  let lastReading: WaitReading | undefined;
  let lastFailure: unknown;
  let location: PresenceView | undefined;
  try {
    for (;;) {
      let nodes: GridNode[] | undefined;
      try {
        const where = location ?? (await openSource(polling, deadline));
        if (where.readsAfresh) location = where;
        nodes = (await openGrid(context, polling.options, where)).nodes;
        lastFailure = undefined;
      } catch (error) {
        if (isFatal(polling, error)) throw error;
        lastFailure = error;
        const left = deadline - Date.now();
        context.out.warn(`reading presence failed${left > 0 ? `; trying again in ${formatTimeout(Math.min(intervalMs, left))}` : ''}: ${errorMessage(error)}`);
      }
      if (nodes !== undefined) {
        // A state this lifecycle does not know may still be one the grid's nodes run (checkStates): the first reading decides.
        if (!statesChecked) checkStates(condition.states, context.settings.lifecycle, nodes);
        statesChecked = true;
        lastReading = evaluateWait(condition, nodes);
      }
      const signal = caught();
      if (signal !== undefined) throw interrupted(signal, what, lastReading);
      if (nodes !== undefined && lastReading?.holds) return lastReading;
      if (lastReading !== undefined && lastReading.progress !== lastProgress && !polling.options.quiet) {
        context.out.info(`waiting for ${what}: ${lastReading.progress}`);
        lastProgress = lastReading.progress;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw timedOut(polling, what, lastReading, lastFailure);
      await sleep(Math.min(intervalMs, left), stop.signal);
      const stoppedBy = caught();
      if (stoppedBy !== undefined) throw interrupted(stoppedBy, what, lastReading);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * A remote's fetch gets what is left of the wait (at least a few seconds, at
 * most presence.gitTimeoutSeconds), so a hung git host cannot hold the
 * command long past its --timeout.
 */
function openSource(polling: Polling, deadline: number): Promise<PresenceView> {
  const { context, options } = polling;
  const presence = context.settings.config.presence;
  const timeoutMs = Math.min(presence.gitTimeoutSeconds * 1000, Math.max(MIN_READ_MS, deadline - Date.now()));
  return openPresence({ presenceDir: options.presence, remoteUrl: options.remote, presence, homeDir: context.home.root, timeoutMs });
}

const MIN_READ_MS = 5000;

/**
 * What waiting cannot fix ends the command at once (exit 2): a folder that
 * holds no presence, both --presence and --remote, no presence named at all. A remote
 * (git or a bucket) may fail for a while, and even say it has no branch yet
 * (nobody has published there): that is waited out like any other failure.
 */
function isFatal(polling: Polling, error: unknown): boolean {
  if (!(error instanceof NodegridError)) return false;
  if (error.code !== 'E_BAD_INPUT' && error.code !== 'E_CONFIG') return false;
  const { options, context } = polling;
  const presence = context.settings.config.presence;
  const remote = options.presence === undefined && (options.remote !== undefined || presenceRemotes(presence).length > 0 || presence.backend !== 'git');
  return !remote;
}

function timedOut(polling: Polling, what: string, reading: WaitReading | undefined, failure: unknown): NodegridError {
  const after = `timed out after ${formatTimeout(polling.timeoutMs)} waiting for ${what}`;
  if (reading === undefined) {
    // Never read once: the read's own failure (69 for an unreachable remote) says more than "not yet".
    const code: ErrorCode = failure instanceof NodegridError ? failure.code : 'E_UNEXPECTED';
    return new NodegridError(code, `${after}: presence could not be read: ${errorMessage(failure)}`, { cause: failure });
  }
  const hint = polling.condition.target.kind === 'node' ? `nodegrid history ${polling.condition.target.id} shows the states it went through` : 'nodegrid nodes with the same filters shows every node, its state and health';
  return new NodegridError('E_PROBLEMS_FOUND', `${after}: ${reading.progress}${failure === undefined ? '' : ` (the last read failed: ${errorMessage(failure)})`}`, { hint });
}

function interrupted(signal: NodeJS.Signals, what: string, reading: WaitReading | undefined): NodegridError {
  const code: ErrorCode = signal === 'SIGTERM' ? 'E_TERMINATED' : 'E_INTERRUPTED';
  return new NodegridError(code, `stopped by ${signal} while waiting for ${what}${reading ? `: ${reading.progress}` : ''}`);
}

/**
 * Every read says the same warnings again (an unreadable document, a remote
 * still down): each distinct one is printed once, so a ten-minute wait does
 * not repeat it sixty times.
 */
function quietRepeats(context: CliContext): CliContext {
  const said = new Set<string>();
  const once = (print: (text: string) => void) => (text: string): void => {
    if (said.has(text)) return;
    said.add(text);
    print(text);
  };
  const out: Output = { ...context.out, warn: once((text) => context.out.warn(text)) };
  return { ...context, out };
}
