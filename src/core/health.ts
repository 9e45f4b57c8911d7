import { isSubMinute } from './beat-cadence';
/**
 * Health is derived by observers from what presence says, never stored by the
 * node (SPEC §3): a dead node cannot say it is dead. Pure: `now` and the rules
 * are parameters, so every boundary is testable without a clock.
 */
export const HEALTHS = ['retired', 'wedged', 'zombie', 'stuck', 'stale', 'new', 'alive'] as const;
export type Health = (typeof HEALTHS)[number];

/** Healths that need a person: the monitor announces entering them as critical. */
export const TROUBLED_HEALTHS: ReadonlySet<Health> = new Set(['wedged', 'zombie', 'stuck', 'stale']);

/** The states of a node on its way out (SPEC §7): stuck there, it needs a person. */
export const LEAVING_STATES: ReadonlySet<string> = new Set(['draining', 'drained']);
/**
 * How a node says its drain or decommission step failed (heartbeat/leave.ts
 * writes it, observers read it): the note of the state it stayed in starts so.
 */
export const LEAVE_FAILED_NOTE = /^(drain|decommission) failed\b/;

export interface HealthFacts {
  /** Current state from the document (normalised), undefined when it has none. */
  readonly state?: string | undefined;
  /** When the current state was entered, from statetss. */
  readonly stateSince?: Date | undefined;
  /** Start of the flattime minute of the latest heartbeat, undefined when none was found. */
  readonly lastBeat?: Date | undefined;
  /** The reason given with the current state (the document's note). */
  readonly note?: string | undefined;
}

export interface HealthRules {
  readonly zombieAfterMinutes: number;
  readonly staleAfterBeats: number;
  /** presence.heartbeat.everyMinutes: one beat period. */
  readonly beatEveryMinutes: number;
  /** The lifecycle's states flagged settingUp (core/lifecycle.ts settingUpStates); presetup and setup when not given. */
  readonly settingUp?: ReadonlySet<string> | undefined;
  /** grid.stuckDrainingMinutes: a node draining longer than this is stuck, whatever its note says; 0: only a failed step makes it stuck. */
  readonly stuckDrainingMinutes?: number | undefined;
  /** grid.deployments: thresholds of one deployment, by name, over the grid-wide ones. */
  readonly deployments?: ReadonlyMap<string, DeploymentRules> | undefined;
}

export interface DeploymentRules {
  readonly zombieAfterMinutes?: number | undefined;
  readonly staleAfterBeats?: number | undefined;
}

/**
 * The rules one node is judged by: its deployment's thresholds where it has
 * them. A Map, not the config object: a deployment named "constructor" by a
 * hostile document finds nothing.
 */
export function rulesForDeployment(rules: HealthRules, deployment: string | null | undefined): HealthRules {
  const own = deployment == null ? undefined : rules.deployments?.get(deployment);
  if (!own) return rules;
  return { ...rules, zombieAfterMinutes: own.zombieAfterMinutes ?? rules.zombieAfterMinutes, staleAfterBeats: own.staleAfterBeats ?? rules.staleAfterBeats };
}

/** The default lifecycle's setting-up states: past the deadline there, a node is a zombie. */
export const DEFAULT_SETTING_UP: ReadonlySet<string> = new Set(['presetup', 'setup']);

export const DEFAULT_HEALTH_RULES: HealthRules = { zombieAfterMinutes: 30, staleAfterBeats: 3, beatEveryMinutes: 1, settingUp: DEFAULT_SETTING_UP, stuckDrainingMinutes: 60 };
/** The state of a node that left the grid on purpose. */
export const RETIRED_STATE = 'decommissioned';
const MINUTE_MS = 60_000;

/** One zombie rule for the grid view and the cloud audit: a node with no state yet, or still setting up. */
export function isSettingUp(state: string | undefined, settingUp: ReadonlySet<string> = DEFAULT_SETTING_UP): boolean {
  return state === undefined || settingUp.has(state);
}

/**
 * Top to bottom, first match wins: retired, wedged, zombie, new, stale, stuck, alive.
 *
 * Liveness comes only from heartbeats: a node that changed state a second ago
 * but has not beaten for three periods is stale, because statetss is written
 * once per change while the heartbeat is what a living node repeats. A node
 * with no beat seen at all is only stale once its first beat was due: until
 * then (its statetss plus the same grace) it is new, a booting node whose
 * cron is not installed yet, shown but never a reason to page anyone.
 */
export function classifyHealth(facts: HealthFacts, now: Date, rules: HealthRules): Health {
  if (facts.state === RETIRED_STATE) return 'retired';
  if (facts.state === 'wedged') return 'wedged';
  if (isZombie(facts, now, rules)) return 'zombie';
  if (facts.lastBeat === undefined) return isNew(facts.stateSince, now, rules) ? 'new' : 'stale';
  if (isStale(facts.lastBeat, now, rules)) return 'stale';
  if (isStuckLeaving(facts, now, rules)) return 'stuck';
  return 'alive';
}

/**
 * A beating node that cannot leave service: its drain or decommission step
 * failed (it stayed where it was and said so), or it has been draining longer
 * than anyone's deadline. Stale wins over stuck: a silent node is the more
 * urgent news.
 */
export function isStuckLeaving(facts: HealthFacts, now: Date, rules: Pick<HealthRules, 'stuckDrainingMinutes'>): boolean {
  if (facts.state === undefined || !LEAVING_STATES.has(facts.state)) return false;
  if (facts.note !== undefined && LEAVE_FAILED_NOTE.test(facts.note)) return true;
  const limit = rules.stuckDrainingMinutes ?? 0;
  return facts.state === 'draining' && limit > 0 && facts.stateSince !== undefined && now.getTime() - facts.stateSince.getTime() > limit * MINUTE_MS;
}

/**
 * No beat yet, and none due yet: the state was entered within the grace a
 * beat gets (statetss counts as the first beat). Without a statetss the node
 * cannot prove it is new.
 */
export function isNew(stateSince: Date | undefined, now: Date, rules: Pick<HealthRules, 'staleAfterBeats' | 'beatEveryMinutes'>): boolean {
  return stateSince !== undefined && stateSince.getTime() <= now.getTime() + MINUTE_MS && !isStale(stateSince, now, rules);
}

/** Stuck in a setting-up state (presetup, setup) past the deadline, or a document that never reached any state. */
function isZombie(facts: HealthFacts, now: Date, rules: HealthRules): boolean {
  if (facts.state === undefined) return true;
  if (!isSettingUp(facts.state, rules.settingUp)) return false;
  // A setting-up node with no statetss cannot prove it is within the deadline.
  if (facts.stateSince === undefined) return true;
  return now.getTime() - facts.stateSince.getTime() > rules.zombieAfterMinutes * MINUTE_MS;
}

/**
 * A beat is a whole flattime minute. With one beat a minute and 3 beats of
 * grace, a beat in minute M keeps the node alive through minute M+3; from
 * minute M+4 on (three whole beats missed) it is stale.
 */
export function isStale(lastBeat: Date | undefined, now: Date, rules: Pick<HealthRules, 'staleAfterBeats' | 'beatEveryMinutes'>): boolean {
  if (lastBeat === undefined) return true;
  if (isSubMinute(rules.beatEveryMinutes)) {
    // Sub-minute beats carry their own time: judge in milliseconds, not flattime minutes.
    return now.getTime() - lastBeat.getTime() > rules.staleAfterBeats * rules.beatEveryMinutes * MINUTE_MS;
  }
  const beatMinute = Math.floor(lastBeat.getTime() / MINUTE_MS);
  const nowMinute = Math.floor(now.getTime() / MINUTE_MS);
  return nowMinute - beatMinute > rules.staleAfterBeats * rules.beatEveryMinutes;
}
