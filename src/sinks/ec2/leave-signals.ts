import type { LeaveSignal } from '../../core/leave-signal';
import { humanTime } from '../../core/time';
import { readMetadataItems } from './imds';

/**
 * What EC2 says about this instance leaving, from instance metadata (both
 * items answer 404 while there is nothing to say):
 *
 * - `spot/instance-action`: a Spot interruption notice, JSON
 *   `{"action": "terminate"|"stop"|"hibernate", "time": "2026-03-01T18:41:17Z"}`,
 *   about two minutes ahead (hibernation starts at once): the node has until `time`;
 * - `autoscaling/target-lifecycle-state`: the state the Auto Scaling group is
 *   moving the instance to. `Terminated` and `Warmed:Terminated` mean leaving;
 *   `InService`, `Standby`, `Detached` mean staying. `Warmed:Stopped`,
 *   `Warmed:Running` and `Warmed:Hibernated` mean leaving only for an
 *   instance that has been `InService` (scale-in returning it to the warm
 *   pool): an instance launched into the warm pool reads them on its first
 *   boot, while it is being prepared to serve, and must not decommission then.
 *
 * No SDK here: asking costs one IMDS session per tick, bounded like the id lookup.
 */
export const SPOT_INSTANCE_ACTION = '/latest/meta-data/spot/instance-action';
export const TARGET_LIFECYCLE_STATE = '/latest/meta-data/autoscaling/target-lifecycle-state';

const SPOT_ACTIONS = new Set(['terminate', 'stop', 'hibernate']);
/** As AWS documents them: termination, from the group or from the warm pool. */
const TERMINATING_STATES = new Set(['Terminated', 'Warmed:Terminated']);
/** The warm pool's waiting states: leaving service only for an instance that has served. */
const RETURNING_STATES = new Set(['Warmed:Stopped', 'Warmed:Running', 'Warmed:Hibernated']);
export const IN_SERVICE = 'InService';

export interface Ec2LeaveReading {
  readonly signals: LeaveSignal[];
  /** What could not be understood (a malformed notice): logged, never acted on. */
  readonly problems: string[];
  /** The target lifecycle state as read, when the instance is in an Auto Scaling group. */
  readonly target?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `servedBefore`: this instance has read `InService` on an earlier tick (the caller remembers it). */
export async function readEc2LeaveSignals(options: { autoscalingDeadlineMs: number; now: number; servedBefore: boolean; env?: Env; timeoutMs?: number }): Promise<Ec2LeaveReading> {
  const [spot, target] = await readMetadataItems([SPOT_INSTANCE_ACTION, TARGET_LIFECYCLE_STATE], options);
  const signals: LeaveSignal[] = [];
  const problems: string[] = [];
  if (spot !== undefined) {
    const parsed = spotSignal(spot, options.now);
    if (typeof parsed === 'string') problems.push(parsed);
    else signals.push(parsed);
  }
  if (target === undefined) return { signals, problems };
  const signal = autoscalingSignal(target.trim(), options.autoscalingDeadlineMs, options.servedBefore);
  if (signal) signals.push(signal);
  return { signals, problems, target: target.trim() };
}

/** A Spot notice as a signal, or what is wrong with it. */
export function spotSignal(body: string, now: number): LeaveSignal | string {
  let notice: unknown;
  try {
    notice = JSON.parse(body);
  } catch {
    return `spot/instance-action is not JSON (${body.length} bytes)`;
  }
  const { action, time } = (notice ?? {}) as { action?: unknown; time?: unknown };
  if (typeof action !== 'string' || !SPOT_ACTIONS.has(action)) return `spot/instance-action has no action terminate, stop or hibernate`;
  const at = typeof time === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(time) ? Date.parse(time) : NaN;
  if (Number.isNaN(at)) return `spot/instance-action has no UTC time for its ${action}`;
  const sameDay = new Date(at).toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  const when = sameDay ? `${new Date(at).toISOString().slice(11, 19)} UTC` : humanTime(new Date(at));
  return {
    source: 'spot',
    id: `spot:${action}:${time as string}`,
    step: 'drain',
    // A notice read late still gets a second: the scripts are told, and delivery is tried.
    deadlineMs: Math.max(1000, at - now),
    note: `spot interruption: ${action} at ${when}`,
  };
}

/** A target lifecycle state that means leaving, as a signal; undefined for staying (or for warming up, before the instance has served). */
export function autoscalingSignal(target: string, deadlineMs: number, servedBefore: boolean): LeaveSignal | undefined {
  if (!TERMINATING_STATES.has(target) && !(servedBefore && RETURNING_STATES.has(target))) return undefined;
  return { source: 'autoscaling', id: `autoscaling:${target}`, step: 'drain', deadlineMs, note: `autoscaling: target lifecycle state ${target}` };
}
