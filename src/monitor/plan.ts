import { durationSince, formatDuration, parseTss } from '../core/time';
import type { NodeIdentity } from '../core/event';
import { LEAVE_FAILED_NOTE, TROUBLED_HEALTHS, type Health } from '../core/health';
import { stateDefinition, type Color, type Lifecycle, type Severity } from '../core/lifecycle';
import type { GridChange } from '../sinks/chat/digest';
import type { GridNode } from '../grid/view';

/**
 * One monitor pass, decided from the previous pass's memory and this pass's
 * view. Pure: what to announce and what to remember; sending is the caller's.
 *
 * - One announcement per health transition, critical when entering
 *   stale/zombie/wedged, chatty otherwise (recoveries, retirement).
 * - Self-preservation (Eureka): when more than `massSilenceRatio` of the nodes
 *   alive last pass go stale at once, the likely fault is the observer's network
 *   or the git host; one critical message replaces the individual alarms, and
 *   those nodes are remembered as alive until the silence lifts.
 * - Chatty state changes are collected for the grid-wide digest.
 * - While nodes stay troubled (stale, zombie, stuck, wedged), one critical reminder
 *   every `remindEveryMinutes` lists them all, counted from when the trouble
 *   was first seen: an alarm read once and forgotten is said again, never
 *   more often than that.
 */
export interface RememberedNode {
  readonly health: Health;
  readonly state: string | null;
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
  readonly stacktype?: string | undefined;
}

export interface MonitorMemory {
  readonly passAt: string;
  /** By node id: a Map, since ids come from other nodes ("constructor" is a valid one). */
  readonly nodes: ReadonlyMap<string, RememberedNode>;
  /** Set while a mass silence holds: the silent nodes not announced one by one, and how many were alive before. */
  readonly massSilence?: { readonly since: string; readonly ids: readonly string[]; readonly baseline: number } | undefined;
  /** While some node is troubled: when the trouble was first seen, or the last reminder was sent. */
  readonly remindedAt?: string | undefined;
  /** The silences that held nodes quiet last pass, and which nodes: when one ends, that is said once. */
  readonly silences?: readonly RememberedSilence[] | undefined;
}

export interface RememberedSilence {
  readonly id: string;
  readonly by: string;
  readonly note: string | null;
  readonly nodes: readonly string[];
}

export interface Announcement {
  readonly node: NodeIdentity;
  readonly from: Health | null;
  readonly to: Health | 'mass-silence' | 'mass-silence-over' | 'reminder' | 'silence-over';
  readonly state: string | null;
  readonly statetss: string | null;
  readonly severity: Severity;
  readonly color: Color;
  /** "alive -> stale" */
  readonly message: string;
  /** "last heartbeat 4 min ago" */
  readonly note?: string | undefined;
  /** A grid-wide line about nodes (silence-over): which, so a reminder does not repeat them. */
  readonly about?: readonly string[] | undefined;
}

export interface PassPlan {
  readonly announcements: readonly Announcement[];
  readonly stateChanges: readonly GridChange[];
  readonly memory: MonitorMemory;
}

export interface PassOptions {
  readonly massSilenceRatio: number;
  readonly lifecycle: Lifecycle;
  /** grid.remindEveryMinutes; 0: never remind. */
  readonly remindEveryMinutes?: number | undefined;
}

/** A reminder names this many nodes, then counts the rest: a chat line, not a report. */
export const REMINDER_MAX_NAMED = 10;

/** Fewer silent nodes than this are announced one by one whatever the ratio: two quiet nodes of four are real news. */
export const MASS_SILENCE_MIN_NODES = 3;

/** How the monitor names itself in chat: "grid:all/monitor: …". */
export const MONITOR_IDENTITY: NodeIdentity = { id: 'grid', deployment: 'all', nodepart: 'monitor' };

export function planPass(previous: MonitorMemory | undefined, nodes: readonly GridNode[], now: Date, options: PassOptions): PassPlan {
  const before: ReadonlyMap<string, RememberedNode> = previous?.nodes ?? new Map();
  const announcements: Announcement[] = [];
  const stateChanges: GridChange[] = [];
  const current = new Map(nodes.map((node) => [node.id, node]));

  // Nodes held back by an ongoing mass silence, and nodes newly silent in this pass.
  let held = new Set(previous?.massSilence?.ids ?? []);
  for (const id of held) if (current.get(id)?.health !== 'stale') held.delete(id);
  const wasAlive = [...before.values()].filter((n) => n.health === 'alive').length;
  const newlySilent = nodes.filter((n) => before.get(n.id)?.health === 'alive' && n.health === 'stale' && !held.has(n.id)).map((n) => n.id);

  let massSilence = previous?.massSilence;
  if (massSilence === undefined && newlySilent.length >= MASS_SILENCE_MIN_NODES && newlySilent.length / Math.max(1, wasAlive) > options.massSilenceRatio) {
    held = new Set(newlySilent);
    massSilence = { since: now.toISOString(), ids: newlySilent, baseline: wasAlive };
    announcements.push(gridAnnouncement('mass-silence', 'critical', 'red', `${newlySilent.length} of ${wasAlive} alive nodes went silent at once`, `likely this observer's network or the git host, not the nodes; individual alarms held back until heartbeats return`));
  } else if (massSilence !== undefined && held.size / Math.max(1, massSilence.baseline) <= options.massSilenceRatio) {
    // The silence lifted: whoever is still silent now is announced on its own below.
    announcements.push(gridAnnouncement('mass-silence-over', 'chatty', 'green', `heartbeats are back: ${massSilence.ids.length - held.size} of ${massSilence.ids.length} silent nodes beat again`, held.size > 0 ? `${held.size} still silent` : undefined));
    massSilence = undefined;
    held = new Set();
  } else if (massSilence !== undefined) {
    massSilence = { ...massSilence, ids: [...held] };
  }

  const remembered = new Map<string, RememberedNode>();
  for (const node of nodes) {
    const prior = before.get(node.id);
    const identity: NodeIdentity = { id: node.id, deployment: node.deployment ?? undefined, nodepart: node.nodepart ?? undefined, stacktype: node.stacktype ?? undefined };
    const heldBack = held.has(node.id);
    remembered.set(node.id, { health: heldBack ? (prior?.health ?? 'alive') : node.health, state: node.state, deployment: identity.deployment, nodepart: identity.nodepart, stacktype: identity.stacktype });
    // A silenced node is watched and remembered, but nothing is said about it until its silence ends.
    if (!heldBack && node.silenced === undefined && prior?.health !== node.health && (prior !== undefined || TROUBLED_HEALTHS.has(node.health)) && !firstBeat(prior?.health, node.health)) {
      announcements.push(healthAnnouncement(identity, prior?.health ?? null, node, now));
    }
    if (prior !== undefined && node.silenced === undefined && node.state !== null && prior.state !== node.state) {
      const definition = stateDefinition(options.lifecycle, node.state);
      if (definition.severity === 'chatty') stateChanges.push({ node: identity, from: prior.state, state: node.state, color: definition.color });
    }
  }
  const silences = currentSilences(nodes);
  announcements.push(...endedSilences(previous?.silences ?? [], silences, current, now));
  const announced = new Set(announcements.flatMap((a) => (a.to === 'silence-over' ? (a.about ?? []) : [a.node.id])));
  const reminder = planReminder(previous?.remindedAt, nodes.filter((node) => TROUBLED_HEALTHS.has(node.health) && !held.has(node.id) && node.silenced === undefined), announced, now, options.remindEveryMinutes ?? 0);
  if (reminder.announcement) announcements.push(reminder.announcement);
  const memory: MonitorMemory = {
    passAt: now.toISOString(),
    nodes: remembered,
    ...(massSilence ? { massSilence } : {}),
    ...(reminder.remindedAt ? { remindedAt: reminder.remindedAt } : {}),
    ...(silences.length > 0 ? { silences } : {}),
  };
  return { announcements, stateChanges, memory };
}

/**
 * The clock starts when trouble is first seen (its own alarms are the first
 * word) and restarts with each reminder; it stops when nothing is troubled.
 * Nodes announced in this very pass are not repeated in a reminder.
 */
function planReminder(remindedAt: string | undefined, troubled: readonly GridNode[], announced: ReadonlySet<string>, now: Date, everyMinutes: number): { remindedAt?: string; announcement?: Announcement } {
  if (troubled.length === 0) return {};
  const since = remindedAt === undefined ? undefined : Date.parse(remindedAt);
  if (since === undefined || Number.isNaN(since)) return { remindedAt: now.toISOString() };
  const still = troubled.filter((node) => !announced.has(node.id));
  if (everyMinutes <= 0 || still.length === 0 || now.getTime() - since < everyMinutes * 60_000) return { remindedAt: remindedAt! };
  const counts = (['wedged', 'zombie', 'stuck', 'stale'] as const).map((health) => [health, still.filter((node) => node.health === health).length] as const).filter(([, n]) => n > 0);
  const named = [...still].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, REMINDER_MAX_NAMED).map((node) => `${node.id} ${node.health} (${healthReason(node, now)})`);
  const more = still.length > REMINDER_MAX_NAMED ? `; and ${still.length - REMINDER_MAX_NAMED} more (nodegrid nodes --health stale,zombie,stuck,wedged)` : '';
  const message = `still troubled: ${counts.map(([health, n]) => `${n} ${health}`).join(', ')}`;
  return { remindedAt: now.toISOString(), announcement: gridAnnouncement('reminder', 'critical', 'red', message, `${named.join('; ')}${more}`) };
}

/** The silences holding nodes quiet in this pass, each with its nodes. */
function currentSilences(nodes: readonly GridNode[]): RememberedSilence[] {
  const byId = new Map<string, { by: string; note: string | null; nodes: string[] }>();
  for (const node of nodes) {
    if (!node.silenced) continue;
    const entry = byId.get(node.silenced.id) ?? { by: node.silenced.by, note: node.silenced.note, nodes: [] };
    entry.nodes.push(node.id);
    byId.set(node.silenced.id, entry);
  }
  return [...byId].map(([id, entry]) => ({ id, ...entry }));
}

/**
 * A silence that held nodes last pass and holds none now has ended (its time
 * ran out, or someone ended it): said once, with how its nodes are now, and
 * critical when any of them is in trouble, since nobody was told while it lasted.
 */
function endedSilences(before: readonly RememberedSilence[], now: readonly RememberedSilence[], nodes: ReadonlyMap<string, GridNode>, at: Date): Announcement[] {
  const still = new Set(now.map((silence) => silence.id));
  return before
    .filter((silence) => !still.has(silence.id))
    .map((silence) => {
      const members = silence.nodes.map((id) => nodes.get(id)).filter((node): node is GridNode => node !== undefined && node.silenced === undefined);
      const troubled = members.filter((node) => TROUBLED_HEALTHS.has(node.health));
      const why = silence.note ? ` (${silence.note})` : '';
      const message = `silence ${silence.id} by ${silence.by}${why} is over: ${members.length} node${members.length === 1 ? '' : 's'}, ${troubled.length === 0 ? 'none in trouble' : `${troubled.length} in trouble`}`;
      const named = [...troubled].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, REMINDER_MAX_NAMED).map((node) => `${node.id} ${node.health} (${healthReason(node, at)})`);
      const more = troubled.length > REMINDER_MAX_NAMED ? `; and ${troubled.length - REMINDER_MAX_NAMED} more` : '';
      const announcement = gridAnnouncement('silence-over', troubled.length > 0 ? 'critical' : 'chatty', troubled.length > 0 ? 'red' : 'green', message, named.length > 0 ? `${named.join('; ')}${more}` : undefined);
      return { ...announcement, about: troubled.map((node) => node.id) };
    });
}

/** A new node's first beat is what was expected: nothing to announce (its not coming is: new -> stale). */
function firstBeat(from: Health | undefined, to: Health): boolean {
  return from === 'new' && to === 'alive';
}

function healthAnnouncement(node: NodeIdentity, from: Health | null, current: GridNode, now: Date): Announcement {
  const critical = TROUBLED_HEALTHS.has(current.health);
  return {
    node,
    from,
    to: current.health,
    state: current.state,
    statetss: current.statetss,
    severity: critical ? 'critical' : 'chatty',
    color: critical ? 'red' : current.health === 'alive' ? 'green' : 'gray',
    message: `${from ?? 'unseen'} -> ${current.health}`,
    note: healthReason(current, now),
  };
}

/** Why a node has its health, in words: "last heartbeat 4 min ago", "presetup for 31 min (since …)", a failed step's note. */
export function healthReason(node: GridNode, now: Date): string | undefined {
  const beat = node.heartbeat === null ? undefined : Date.parse(node.heartbeat);
  // Recent beats are told in seconds (sub-minute beats carry their own time; a minute beat
  // counts from the start of its flattime minute), older ones in whole flattime minutes.
  const seconds = beat === undefined ? 0 : Math.max(0, Math.round((now.getTime() - beat) / 1000));
  const minutes = beat === undefined ? 0 : Math.max(0, Math.floor(now.getTime() / 60_000) - Math.floor(beat / 60_000));
  // "presetup for 3 min (since 18:41:17 UTC)": the statetss itself is for machines.
  const started = node.statetss === null ? undefined : parseTss(node.statetss);
  const inState = `${node.state ?? 'no state'} ${started ? `for ${durationSince(started, now)}` : 'since an unknown time'}`;
  const ago = beat === undefined ? `no beat yet; ${inState}` : seconds < 120 ? `last heartbeat ${seconds} s ago` : `last heartbeat ${formatDuration(minutes * 60_000)} ago`;
  switch (node.health) {
    case 'stale':
    case 'alive':
    case 'new':
      return ago;
    case 'zombie':
      return node.state === null ? 'never reached setup' : inState;
    case 'wedged':
      return inState;
    case 'stuck':
      // The failed step's own words (script, exit, last lines), or how long it has been draining.
      return node.note !== null && LEAVE_FAILED_NOTE.test(node.note) ? `${node.state ?? 'draining'}: ${node.note}` : `${inState}, past grid.stuckDrainingMinutes`;
    case 'retired':
      return 'decommissioned';
  }
}

function gridAnnouncement(to: 'mass-silence' | 'mass-silence-over' | 'reminder' | 'silence-over', severity: Severity, color: Color, message: string, note: string | undefined): Announcement {
  return { node: MONITOR_IDENTITY, from: null, to, state: null, statetss: null, severity, color, message, note };
}

/** Nodes that need a person (wedged, zombie, stuck, stale; not new, alive, retired or silenced): `monitor --once` exits 3 when there are any. */
export function troubledCount(nodes: readonly GridNode[]): number {
  return nodes.filter((node) => TROUBLED_HEALTHS.has(node.health) && node.silenced === undefined).length;
}
