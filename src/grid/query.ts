import { NodegridError } from '../core/errors';
import { HEALTHS, type Health } from '../core/health';
import { describeValue, isValidDnaName } from '../core/ids';
import { matchesSelector, parseLabelSelector, type LabelSelector } from '../core/label-selector';
import type { Lifecycle } from '../core/lifecycle';
import type { GridNode } from './view';

/**
 * Which nodes a command is about: the DNA switches, states and healths, each
 * optional and combined with AND (several values of one filter with OR).
 */
export interface GridFilter {
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
  readonly stacktype?: string | undefined;
  readonly states?: readonly string[] | undefined;
  readonly healths?: readonly Health[] | undefined;
  /** `-l env=prod,!legacy`: every requirement must hold (core/label-selector.ts). */
  readonly labels?: LabelSelector | undefined;
}

/** The filters as a command's flags give them: text, comma-separated lists. */
export interface FilterFlags {
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
  readonly stacktype?: string | undefined;
  readonly state?: string | undefined;
  readonly health?: string | undefined;
  /** Each -l / --selector given. */
  readonly selector?: readonly string[] | undefined;
}

/**
 * Flags to a filter, refusing values that could never match: a malformed
 * switch or a health nobody has. States are checked once the grid is read
 * (checkStates).
 */
export function parseGridFilter(flags: FilterFlags): GridFilter {
  for (const key of ['deployment', 'nodepart', 'stacktype'] as const) {
    const value = flags[key];
    if (value !== undefined && !isValidDnaName(value)) throw new NodegridError('E_BAD_INPUT', `--${key} must be 1-64 characters from A-Z a-z 0-9 . _ -`);
  }
  let healths: Health[] | undefined;
  if (flags.health !== undefined) {
    const parsed = parseHealthList(flags.health);
    if (parsed.unknown.length > 0 || parsed.healths.length === 0) {
      throw new NodegridError('E_BAD_INPUT', `--health takes ${HEALTHS.join(', ')} (comma-separated); unknown: ${parsed.unknown.join(', ').slice(0, 80) || '(empty)'}`);
    }
    healths = parsed.healths;
  }
  const states = flags.state?.split(',').map((s) => s.trim()).filter(Boolean);
  if (states?.length === 0) throw new NodegridError('E_BAD_INPUT', '--state is empty: give one or more states, comma-separated');
  const labels = parseLabelSelector(flags.selector ?? []);
  return { deployment: flags.deployment, nodepart: flags.nodepart, stacktype: flags.stacktype, states, healths, labels };
}

/**
 * A state filter names states someone has: this observer's lifecycle, or any
 * node of the grid just read (nodes may run a lifecycle of their own). A typo
 * such as "initdon" would otherwise list no nodes and exit 0, as if the grid
 * had none.
 */
export function checkStates(states: readonly string[] | undefined, lifecycle: Lifecycle, nodes: readonly GridNode[]): void {
  if (states === undefined) return;
  const seen = new Set(nodes.map((node) => node.state));
  const unknown = states.filter((state) => !lifecycle.states.has(state) && !seen.has(state));
  if (unknown.length === 0) return;
  throw new NodegridError('E_BAD_INPUT', `--state names unknown state${unknown.length === 1 ? '' : 's'} ${unknown.slice(0, 5).map(describeValue).join(', ')}; known states are ${[...lifecycle.states.keys()].join(', ')}`, {
    hint: 'no node of this grid is in it either; a state of your own is added under lifecycle.states in the config',
  });
}

export function filterNodes(nodes: readonly GridNode[], filter: GridFilter): GridNode[] {
  return nodes.filter(
    (node) =>
      (filter.deployment === undefined || node.deployment === filter.deployment) &&
      (filter.nodepart === undefined || node.nodepart === filter.nodepart) &&
      (filter.stacktype === undefined || node.stacktype === filter.stacktype) &&
      (filter.states === undefined || (node.state !== null && filter.states.includes(node.state))) &&
      (filter.healths === undefined || filter.healths.includes(node.health)) &&
      (filter.labels === undefined || matchesSelector(node.record.labels, filter.labels)),
  );
}

/** "alive,stale" -> ['alive', 'stale']; unknown names are returned separately for the message. */
export function parseHealthList(text: string): { healths: Health[]; unknown: string[] } {
  const names = text.split(',').map((part) => part.trim()).filter(Boolean);
  const healths = names.filter((name): name is Health => (HEALTHS as readonly string[]).includes(name));
  return { healths, unknown: names.filter((name) => !(HEALTHS as readonly string[]).includes(name)) };
}

export type HealthCounts = Record<Health, number>;

export function countHealth(nodes: readonly GridNode[]): HealthCounts {
  const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0])) as HealthCounts;
  for (const node of nodes) counts[node.health]++;
  return counts;
}

/** "40 alive, 2 stale, 1 wedged": healthiest first, zero counts left out. */
export function describeCounts(counts: HealthCounts): string {
  const order: Health[] = ['alive', 'new', 'stale', 'zombie', 'stuck', 'wedged', 'retired'];
  const parts = order.filter((h) => counts[h] > 0).map((h) => `${counts[h]} ${h}`);
  return parts.length > 0 ? parts.join(', ') : 'no nodes';
}

/** Nodes grouped by deployment, then nodepart, both sorted; "?" for a missing switch. */
export function groupByPart(nodes: readonly GridNode[]): Map<string, Map<string, GridNode[]>> {
  const groups = new Map<string, Map<string, GridNode[]>>();
  const sorted = [...nodes].sort((a, b) => key(a).localeCompare(key(b)));
  for (const node of sorted) {
    const deployment = node.deployment ?? '?';
    const parts = groups.get(deployment) ?? new Map<string, GridNode[]>();
    groups.set(deployment, parts);
    const nodepart = node.nodepart ?? '?';
    const members = parts.get(nodepart);
    if (members) members.push(node);
    else parts.set(nodepart, [node]);
  }
  return groups;
}

function key(node: GridNode): string {
  return `${node.deployment ?? '~'}\u0000${node.nodepart ?? '~'}\u0000${node.id}`;
}
