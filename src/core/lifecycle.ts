import { NodegridError } from './errors';

/**
 * The lifecycle graph of SPEC §3, extensible from config. Pure: it decides,
 * it never writes.
 */
export const SEVERITIES = ['quiet', 'chatty', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const COLORS = ['green', 'yellow', 'red', 'purple', 'gray'] as const;
export type Color = (typeof COLORS)[number];

export interface StateDefinition {
  readonly name: string;
  readonly severity: Severity;
  readonly color: Color;
  /** Live states may go to wedged without --force. */
  readonly live: boolean;
  /** A node still setting up: past grid.zombieAfterMinutes in such a state it is a zombie. */
  readonly settingUp: boolean;
}

export interface Lifecycle {
  readonly states: ReadonlyMap<string, StateDefinition>;
  readonly next: ReadonlyMap<string, ReadonlySet<string>>;
  /** States a node with no state yet may enter. */
  readonly initial: ReadonlySet<string>;
}

export const WEDGED = 'wedged';
/**
 * Older presence documents and nodeinfo folders say "done" for "initdone". A
 * Map, not an object literal: a state read from another node ("toString",
 * "__proto__") must never find Object.prototype's members.
 */
const LEGACY_ALIASES: ReadonlyMap<string, string> = new Map([['done', 'initdone']]);

const STATE_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export function isValidStateName(name: string): boolean {
  return STATE_NAME.test(name);
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

const DEFAULT_STATES: StateDefinition[] = [
  { name: 'presetup', severity: 'quiet', color: 'yellow', live: true, settingUp: true },
  { name: 'setup', severity: 'chatty', color: 'yellow', live: true, settingUp: true },
  { name: 'initdone', severity: 'chatty', color: 'green', live: true, settingUp: false },
  { name: 'running', severity: 'chatty', color: 'green', live: true, settingUp: false },
  { name: 'draining', severity: 'chatty', color: 'yellow', live: true, settingUp: false },
  { name: 'drained', severity: 'chatty', color: 'purple', live: true, settingUp: false },
  { name: 'wedged', severity: 'critical', color: 'red', live: false, settingUp: false },
  { name: 'decommissioned', severity: 'chatty', color: 'gray', live: false, settingUp: false },
];

const DEFAULT_EDGES: Array<[string, string]> = [
  ['presetup', 'setup'],
  ['setup', 'initdone'],
  ['initdone', 'running'],
  ['initdone', 'draining'],
  ['running', 'draining'],
  ['draining', 'running'],
  ['draining', 'drained'],
  ['drained', 'decommissioned'],
  ['wedged', 'setup'],
  ['wedged', 'decommissioned'],
];

const DEFAULT_INITIAL = ['presetup', 'setup'];

export interface LifecycleExtension {
  states?: Record<string, { severity?: Severity | undefined; color?: Color | undefined; live?: boolean | undefined; settingUp?: boolean | undefined }> | undefined;
  edges?: Array<{ from: string; to: string }> | undefined;
  initial?: string[] | undefined;
}

/**
 * Builds the graph from the defaults plus a config extension. Problems are
 * returned as messages with a key path so config loading can report them
 * like any other config error.
 */
export function buildLifecycle(extension: LifecycleExtension = {}): { lifecycle: Lifecycle; problems: string[] } {
  const problems: string[] = [];
  const states = new Map<string, StateDefinition>(DEFAULT_STATES.map((s) => [s.name, s]));
  for (const [name, def] of Object.entries(extension.states ?? {})) {
    if (!isValidStateName(name) || LEGACY_ALIASES.has(name)) {
      problems.push(`lifecycle.states.${name}: a state name is 1-32 characters from A-Z a-z 0-9 _ - (and not a legacy alias)`);
      continue;
    }
    const base = states.get(name);
    states.set(name, {
      name,
      severity: def.severity ?? base?.severity ?? 'chatty',
      color: def.color ?? base?.color ?? 'yellow',
      live: def.live ?? base?.live ?? true,
      settingUp: def.settingUp ?? base?.settingUp ?? false,
    });
  }

  const next = new Map<string, Set<string>>();
  for (const name of states.keys()) next.set(name, new Set());
  const addEdge = (from: string, to: string, where: string): void => {
    for (const end of [from, to]) {
      if (!states.has(end)) problems.push(`${where}: unknown state "${end}" (known: ${[...states.keys()].join(', ')})`);
    }
    if (states.has(from) && states.has(to)) next.get(from)!.add(to);
  };
  for (const [from, to] of DEFAULT_EDGES) addEdge(from, to, 'default edge');
  (extension.edges ?? []).forEach((edge, i) => addEdge(edge.from, edge.to, `lifecycle.edges[${i}]`));
  // Any live state may go to wedged: the node knows its work cannot complete.
  for (const state of states.values()) if (state.live && state.name !== WEDGED) next.get(state.name)!.add(WEDGED);

  const initial = new Set(extension.initial ?? DEFAULT_INITIAL);
  for (const name of initial) if (!states.has(name)) problems.push(`lifecycle.initial: unknown state "${name}"`);

  return { lifecycle: { states, next, initial }, problems };
}

export const DEFAULT_LIFECYCLE = buildLifecycle().lifecycle;

/** The states flagged settingUp (presetup and setup unless the config says otherwise): the zombie rule's. */
export function settingUpStates(lifecycle: Lifecycle): ReadonlySet<string> {
  return new Set([...lifecycle.states.values()].filter((state) => state.settingUp).map((state) => state.name));
}

/** Reads a state as stored by this or an older version ("done" means initdone). */
export function normalizeState(raw: string): string {
  const trimmed = raw.trim();
  return LEGACY_ALIASES.get(trimmed) ?? trimmed;
}

export function stateDefinition(lifecycle: Lifecycle, state: string): StateDefinition {
  return lifecycle.states.get(state) ?? { name: state, severity: 'chatty', color: 'gray', live: false, settingUp: false };
}

export type TransitionDecision = { kind: 'change' } | { kind: 'noop'; reason: string };

export function allowedNext(lifecycle: Lifecycle, from: string | undefined): string[] {
  if (from === undefined) return [...lifecycle.initial];
  return [...(lifecycle.next.get(from) ?? [])];
}

/**
 * Whether `from -> to` may happen. Refusals throw with the current state and
 * the allowed next states, so the message tells the operator what to do.
 */
export function decideTransition(lifecycle: Lifecycle, from: string | undefined, to: string, force: boolean): TransitionDecision {
  if (!lifecycle.states.has(to)) {
    throw new NodegridError('E_BAD_INPUT', `unknown state "${to}": known states are ${[...lifecycle.states.keys()].join(', ')}`);
  }
  if (from === to) {
    return force ? { kind: 'change' } : { kind: 'noop', reason: `already ${to}: nothing changed (use --force to re-announce)` };
  }
  if (force) return { kind: 'change' };
  const allowed = allowedNext(lifecycle, from);
  if (allowed.includes(to)) return { kind: 'change' };
  const current = from === undefined ? 'no state yet' : `the current state is ${from}`;
  const options = allowed.length > 0 ? allowed.join(', ') : 'none (terminal state)';
  throw new NodegridError('E_ILLEGAL_TRANSITION', `cannot go to ${to}: ${current}; allowed next: ${options}`, {
    hint: 'use --force to override the lifecycle graph',
  });
}
