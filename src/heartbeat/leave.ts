import path from 'node:path';
import type { NodeIdentity } from '../core/event';
import { formatDuration, formatTimeout } from '../core/time';
import { runWorkScript, scriptEnvironment, workScripts, type ScriptOutcome } from './work';

/**
 * Leaving service (SPEC §7), one step at a time: `drain` (draining, its
 * drain.sh scripts, drained) and `decommission` (its decommission.sh scripts,
 * decommissioned). The scripts are looked up where work scripts are and run
 * with their environment plus the deadline; each gets what is left of the
 * deadline at most, and the first failure stops the rest. A step that fails
 * leaves the node where it was, with a note naming the script, its exit and
 * its last words, so the grid sees a node that could not leave; `forceAfter`
 * moves on anyway, and says so in the note. State changes go through the
 * caller (the node's own record), so this knows no sink.
 */
export interface LeaveEnvironment {
  readonly repoDir: string;
  /** heartbeat.workTimeoutSeconds: no script runs longer, whatever the deadline. */
  readonly scriptTimeoutMs: number;
  readonly log: { write(line: string): void; readonly redact: (text: string) => string };
  identity(): { node: NodeIdentity; state: string | undefined };
  /** Records a state change (or re-announces the current state with a new note). */
  setState(to: string, note: string, reannounce?: boolean): Promise<void>;
  /** Waits (up to the time given) for work a tick is running to finish and keeps the next from starting; resolves to its release. */
  lockWork(timeoutMs: number): Promise<() => Promise<void>>;
  readonly now?: () => number;
}

export interface LeaveStep {
  /** The scripts' file name in the hierarchy. */
  readonly scripts: 'drain.sh' | 'decommission.sh';
  /** Entered first, unless the node is in it already (draining); none for decommission. */
  readonly entering?: string | undefined;
  /** Where the node goes when the scripts succeed. */
  readonly done: string;
}

export const DRAIN: LeaveStep = { scripts: 'drain.sh', entering: 'draining', done: 'drained' };
export const DECOMMISSION: LeaveStep = { scripts: 'decommission.sh', done: 'decommissioned' };

export interface LeaveOptions {
  readonly deadlineMs: number;
  /** After a failure or the deadline, move on to `done` anyway. */
  readonly forceAfter: boolean;
  /** The operator's reason, given to the first state change. */
  readonly note?: string | undefined;
}

export interface LeaveResult {
  /** The node reached `done` (forced or not). */
  readonly left: boolean;
  readonly forced: boolean;
  readonly state: string;
  readonly scripts: readonly ScriptOutcome[];
  /** The note recorded with the last change: why it stopped, or how it went. */
  readonly note: string;
}

export async function leaveStep(env: LeaveEnvironment, step: LeaveStep, options: LeaveOptions): Promise<LeaveResult> {
  const now = env.now ?? Date.now;
  const started = now();
  const deadline = started + options.deadlineMs;
  const { node, state } = env.identity();
  if (step.entering && state !== step.entering) {
    await env.setState(step.entering, options.note ?? `${step.scripts.replace('.sh', '')} within ${formatTimeout(options.deadlineMs)}`);
  }
  const configRepo = node.initgitrepo ? path.join(env.repoDir, node.initgitrepo) : undefined;
  const scripts = configRepo ? workScripts(configRepo, node, step.scripts) : [];
  const outcomes: ScriptOutcome[] = [];
  let failure: string | undefined;
  // Work a tick started before the node began to leave finishes first: a drain does not pull the floor from under it.
  let release: (() => Promise<void>) | undefined;
  try {
    release = await env.lockWork(Math.max(0, deadline - now()));
  } catch {
    failure = `work a tick started was still running at the deadline (${formatTimeout(options.deadlineMs)})`;
  }
  try {
    if (failure === undefined && configRepo) failure = await runScripts(env, configRepo, scripts, deadline, options.deadlineMs, outcomes, now);
  } finally {
    await release?.();
  }
  const took = formatDuration(now() - started);
  // A step without a state of its own (decommission) records one change only: the operator's reason rides on it, or it is lost.
  const why = !step.entering && options.note ? `; ${options.note}` : '';
  if (failure === undefined) {
    const note = `${scripts.length === 0 ? `no ${step.scripts} scripts` : `${scripts.length} ${step.scripts} script${scripts.length === 1 ? '' : 's'} ok in ${took}`}${why}`;
    await env.setState(step.done, note);
    return { left: true, forced: false, state: step.done, scripts: outcomes, note };
  }
  if (options.forceAfter) {
    const note = `forced after ${failure}${why}`;
    await env.setState(step.done, note);
    return { left: true, forced: true, state: step.done, scripts: outcomes, note };
  }
  // The node stays where it is, and says why: its document, chat and history carry the note.
  const stay = env.identity().state ?? step.entering ?? 'unknown';
  const note = `${step.scripts.replace('.sh', '')} failed after ${took}: ${failure}${why}`;
  await env.setState(stay, note, true);
  return { left: false, forced: false, state: stay, scripts: outcomes, note };
}

/** Runs the scripts in order within the deadline; the reason of the first failure, or undefined. */
async function runScripts(env: LeaveEnvironment, configRepo: string, scripts: readonly string[], deadline: number, deadlineMs: number, outcomes: ScriptOutcome[], now: () => number): Promise<string | undefined> {
  for (const script of scripts) {
    const left = deadline - now();
    if (left <= 0) return `the deadline of ${formatTimeout(deadlineMs)} passed before ${script}`;
    const timeoutMs = Math.min(env.scriptTimeoutMs, left);
    const { node, state } = env.identity();
    env.log.write(`leaving: running ${script} (${formatTimeout(timeoutMs)} at most)`);
    const environment = { ...scriptEnvironment(node, state, env.repoDir), NODEGRID_DEADLINE: new Date(deadline).toISOString(), NODEGRID_DEADLINE_SECONDS: String(Math.floor(left / 1000)) };
    const outcome = await runWorkScript(configRepo, script, environment, timeoutMs, (line) => env.log.write(`${script}: ${line}`), env.log.redact);
    outcomes.push(outcome);
    if (!outcome.ok) {
      const how = outcome.timedOut ? (timeoutMs < env.scriptTimeoutMs ? `was still running at the deadline (${formatTimeout(deadlineMs)})` : `timed out after ${formatTimeout(timeoutMs)}`) : `exit ${outcome.exitCode}`;
      return `${script} ${how}${outcome.tail ? `: ${outcome.tail}` : ''}`;
    }
  }
  return undefined;
}
