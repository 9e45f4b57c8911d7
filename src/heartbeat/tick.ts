import path from 'node:path';
import type { Config } from '../config/schema';
import { isHeartbeatDue } from '../core/beat-cadence';
import { errorMessage } from '../core/errors';
import { formatTimeout } from '../core/time';
import type { NodeIdentity } from '../core/event';
import { acquireLock, type Lock } from '../sys/lock';
import { systemClock, type Clock } from '../sys/clock';
import type { NodeLog } from '../sys/log';
import type { SinkReport } from '../outbox/deliver';
import type { LeaveSignal } from '../core/leave-signal';
import type { LeaveSignals, SignalLeaveResult } from './leave-on-signal';
import { alreadyActedOn, forgetAnswered, readLeaveMemory, writeLeaveMemory } from './leave-memory';
import { stableJitterMs } from './jitter';
import { noteBeat, readLastBeat } from './last-beat';
import { changedPaths, pullAll, repoDirProblem, type PullResult } from './repos';
import { runWorkScript, scriptEnvironment, workScripts, type ScriptOutcome } from './work';
import { readWorkState, writeWorkState, type WorkState } from './work-state';

/**
 * One beat: pull, work if something watched changed (or work is failing),
 * wedge after repeated failures, beat, deliver. Everything it needs from the
 * rest of nodegrid comes in as functions, so the beat knows nothing of the CLI.
 */
export interface TickEnvironment {
  readonly homeDir: string;
  readonly locksDir: string;
  readonly repoDir: string;
  readonly heartbeat: Config['heartbeat'];
  readonly beatEveryMinutes: number;
  readonly log: NodeLog;
  identity(): { node: NodeIdentity; state: string | undefined };
  /** Records the move to wedged (a critical state change through every sink). */
  wedge(note: string): Promise<void>;
  notify(message: string): Promise<void>;
  /** Whether any sink wants heartbeat events; with none, no beat is recorded. */
  readonly wantsHeartbeats: boolean;
  recordHeartbeat(): Promise<void>;
  deliver(budgetMs: number): Promise<SinkReport[]>;
  readonly skipJitter: boolean;
  /** What asks the node to leave now (a Spot notice, a lifecycle hook …); never throws: a source that cannot be read is not heard. */
  leaveSignals(): Promise<LeaveSignals>;
  /** Leaves as the signal asks (drain, decommission, the last word delivered, the asker told). */
  leave(signal: LeaveSignal): Promise<SignalLeaveResult>;
  /** The system clock unless a test moves its own. */
  readonly clock?: Clock | undefined;
}

export interface TickResult {
  worked: boolean;
  workOk: boolean | null;
  busy: boolean;
  pulled: PullResult[];
  /** Why the repo folder could not be followed ("does not exist"): nothing was pulled and no work ran, the beat went on. */
  repoDirProblem: string | null;
  /** The state in which no new work starts (heartbeat.noWorkStates: a node leaving service): nothing pulled or run, the beat went on. */
  leaving: string | null;
  scripts: ScriptOutcome[];
  wedged: boolean;
  beat: boolean;
  pending: number;
  ms: number;
  /** The part of `ms` spent in the jitter sleep before the beat started. */
  jitterMs: number;
  /** The leave signals this beat acted on (each only once: later beats find them remembered). */
  leftOnSignal: SignalLeaveResult[];
}

const GIT_TIMEOUT_MS = 20_000;
/** A tick that finds work still running must report within about 2 s. */
const BUSY_DELIVERY_MS = 1500;

export async function runTick(env: TickEnvironment): Promise<TickResult> {
  const clock = env.clock ?? systemClock;
  const started = clock.now();
  const { node } = env.identity();
  const result: TickResult = { worked: false, workOk: null, busy: false, pulled: [], repoDirProblem: null, leaving: null, scripts: [], wedged: false, beat: false, pending: 0, ms: 0, jitterMs: 0, leftOnSignal: [] };

  // Before the jitter and the work: a Spot notice gives two minutes, and leaving starts no new work.
  result.leftOnSignal = await actOnLeaveSignals(env);

  if (!env.skipJitter) {
    await clock.sleep(stableJitterMs(node.id, env.heartbeat.jitterSeconds));
    result.jitterMs = clock.now() - started;
  }

  // A node leaving service (draining, drained) starts no new work, but keeps beating: it is still alive.
  const { state } = env.identity();
  const leaving = state !== undefined && env.heartbeat.noWorkStates.includes(state) ? state : undefined;
  if (leaving) result.leaving = leaving;
  const workLock = leaving ? undefined : await tryWorkLock(env.locksDir);
  if (!leaving && !workLock) result.busy = true;
  if (workLock) {
    try {
      await pullAndWork(env, node, result, clock);
    } finally {
      await workLock.release();
    }
  }

  if (env.wantsHeartbeats && isHeartbeatDue(readLastBeat(env.homeDir), new Date(clock.now()), env.beatEveryMinutes)) {
    try {
      await env.recordHeartbeat();
      noteBeat(env.homeDir, new Date(clock.now()));
      result.beat = true;
    } catch (error) {
      env.log.write(`heartbeat not recorded: ${errorMessage(error)}`);
    }
  }

  // Deliver within what is left of the beat, leaving a margin before the next one.
  const left = env.heartbeat.intervalSeconds * 1000 - (clock.now() - started) - 5000;
  const reports = await env.deliver(result.busy ? BUSY_DELIVERY_MS : Math.max(1000, left));
  result.pending = reports.reduce((sum, report) => sum + report.pending, 0);
  result.ms = clock.now() - started;
  env.log.write(describeTick(result));
  return result;
}

/**
 * Each signal once: remembered before acting, so the next beat (or one that
 * starts while this one drains) leaves it alone; forgotten when its source no
 * longer asks.
 */
async function actOnLeaveSignals(env: TickEnvironment): Promise<SignalLeaveResult[]> {
  const { signals, heard } = await env.leaveSignals();
  const before = readLeaveMemory(env.homeDir);
  let memory = forgetAnswered(before, heard, signals);
  if (Object.keys(memory).length !== Object.keys(before).length) writeLeaveMemory(env.homeDir, memory);
  const results: SignalLeaveResult[] = [];
  for (const signal of signals) {
    if (alreadyActedOn(memory, signal)) continue;
    memory = { ...memory, [signal.source]: { id: signal.id, at: new Date((env.clock ?? systemClock).now()).toISOString(), outcome: null } };
    writeLeaveMemory(env.homeDir, memory);
    const left = await env.leave(signal);
    results.push(left);
    memory = { ...readLeaveMemory(env.homeDir), [signal.source]: { ...memory[signal.source]!, outcome: { left: left.left, state: left.state, note: left.note } } };
    writeLeaveMemory(env.homeDir, memory);
  }
  return results;
}

/** The work lock if nobody holds it: a tick never waits for another tick's work. */
async function tryWorkLock(locksDir: string): Promise<Lock | undefined> {
  try {
    return await acquireLock(path.join(locksDir, 'work.lock'), { timeoutMs: 0, what: 'the work lock' });
  } catch {
    return undefined;
  }
}

async function pullAndWork(env: TickEnvironment, node: NodeIdentity, result: TickResult, clock: Clock): Promise<void> {
  const problem = repoDirProblem(env.repoDir);
  if (problem) {
    // The work state is left alone: "nothing to run" would count as work done and reset the failures.
    result.repoDirProblem = problem;
    env.log.write(`repo folder ${env.repoDir} ${problem}: nothing pulled, no work run`);
    return;
  }
  result.pulled = await pullAll(env.repoDir, GIT_TIMEOUT_MS);
  for (const pull of result.pulled) if (pull.error) env.log.write(`pull ${path.basename(pull.repo)}: ${pull.error}`);

  const state = readWorkState(env.homeDir);
  const commits = Object.fromEntries(result.pulled.filter((p) => p.after).map((p) => [path.basename(p.repo), p.after!]));
  const reason = await workReason(env, state, commits);
  if (!reason) return;

  const configRepo = node.initgitrepo ? path.join(env.repoDir, node.initgitrepo) : undefined;
  const scripts = configRepo ? workScripts(configRepo, node) : [];
  if (!configRepo || scripts.length === 0) {
    // Nothing to run counts as work done, so the same commits do not ask again.
    writeWorkState(env.homeDir, { ...state, lastSuccess: { at: new Date(clock.now()).toISOString(), commits }, consecutiveFailures: 0 });
    return;
  }

  result.worked = true;
  env.log.write(`work: ${reason}; running ${scripts.join(', ')}`);
  const configName = path.basename(configRepo);
  const scriptEnv = workEnvironment(env, node, state.lastSuccess?.commits[configName], commits[configName]);
  let failure: ScriptOutcome | undefined;
  for (const script of scripts) {
    const outcome = await runWorkScript(configRepo, script, scriptEnv, env.heartbeat.workTimeoutSeconds * 1000, (line) => env.log.write(`work ${script}: ${line}`), env.log.redact);
    result.scripts.push(outcome);
    if (!outcome.ok) {
      failure = outcome;
      break;
    }
  }

  const now = new Date(clock.now()).toISOString();
  if (!failure) {
    result.workOk = true;
    writeWorkState(env.homeDir, { ...readWorkState(env.homeDir), lastSuccess: { at: now, commits }, consecutiveFailures: 0, lastFailure: null });
    if (state.consecutiveFailures > 0) {
      const { state: current } = env.identity();
      const still = current === 'wedged' ? '; the node stays wedged until someone runs `nodegrid state set`' : '';
      await env.notify(`work succeeds again after ${state.consecutiveFailures} failed run${state.consecutiveFailures === 1 ? '' : 's'}${still}`);
    }
    return;
  }

  result.workOk = false;
  const failures = state.consecutiveFailures + 1;
  const how = failure.timedOut ? `timed out after ${formatTimeout(env.heartbeat.workTimeoutSeconds * 1000)}` : `exit ${failure.exitCode}`;
  writeWorkState(env.homeDir, { ...readWorkState(env.homeDir), consecutiveFailures: failures, lastFailure: { at: now, script: failure.script, exitCode: failure.exitCode, tail: failure.tail } });
  env.log.write(`work failed (${failures} in a row): ${failure.script} ${how}`);
  const { state: current } = env.identity();
  if (failures >= env.heartbeat.wedgeAfterFailures && current !== 'wedged' && current !== 'decommissioned') {
    await env.wedge(`work failed ${failures} times: ${failure.script} ${how}${failure.tail ? `: ${failure.tail}` : ''}`);
    result.wedged = true;
  }
}

async function workReason(env: TickEnvironment, state: WorkState, commits: Record<string, string>): Promise<string | undefined> {
  if (!state.lastSuccess) return 'first tick';
  if (state.consecutiveFailures > 0) return `retrying after ${state.consecutiveFailures} failure${state.consecutiveFailures === 1 ? '' : 's'}`;
  for (const [repo, sha] of Object.entries(commits)) {
    const previous = state.lastSuccess.commits[repo];
    if (previous === sha) continue;
    if (previous === undefined) return `new repo ${repo}`;
    const changed = await changedPaths(path.join(env.repoDir, repo), previous, sha, env.heartbeat.watch, GIT_TIMEOUT_MS).catch(() => ['(unknown)']);
    if (changed.length > 0) return `${repo} changed ${previous.slice(0, 8)}..${sha.slice(0, 8)}`;
  }
  return undefined;
}

function workEnvironment(env: TickEnvironment, node: NodeIdentity, from: string | undefined, to: string | undefined): Record<string, string> {
  return {
    ...scriptEnvironment(node, env.identity().state, env.repoDir),
    NODEGRID_CHANGED_FROM: from ?? '',
    NODEGRID_CHANGED_TO: to ?? '',
  };
}

function describeTick(result: TickResult): string {
  const pulled = result.pulled.filter((p) => p.changed).map((p) => `${path.basename(p.repo)} ${p.before?.slice(0, 8) ?? 'none'}..${p.after?.slice(0, 8)}`);
  const parts = [
    ...result.leftOnSignal.map((left) => `left on ${left.source}: ${left.state}`),
    result.leaving ? `tick: ${result.leaving}, no new work (heartbeat.noWorkStates)` : result.repoDirProblem ? `tick: repo folder ${result.repoDirProblem}` : `tick: ${result.pulled.length} repo${result.pulled.length === 1 ? '' : 's'} pulled${pulled.length ? ` (${pulled.join(', ')})` : ', nothing new'}`,
    result.busy ? 'work still running in another tick' : result.worked ? `work ${result.workOk ? 'ok' : 'FAILED'} (${result.scripts.map((s) => `${s.script} ${s.ms} ms`).join(', ')})` : 'no work',
    result.wedged ? 'now WEDGED' : '',
    result.beat ? 'heartbeat' : '',
    result.pending > 0 ? `${result.pending} pending` : '',
    `${result.ms} ms`,
  ];
  return parts.filter(Boolean).join('; ');
}
