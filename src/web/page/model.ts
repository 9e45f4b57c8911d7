import type { ApiNode, Health } from '../api';
// The one grammar of label selectors, shared with `nodes -l` so the page and the CLI cannot disagree (pure, no I/O).
import { matchesSelector, type LabelSelector } from '../../core/label-selector';

/**
 * What the table shows, decided without the DOM: which nodes pass the
 * filters, in which groups, in which order. Troubled nodes come first.
 */
export const HEALTH_NAMES: readonly Health[] = ['wedged', 'zombie', 'stuck', 'stale', 'new', 'alive', 'retired'];
/** As counts and group summaries show them: healthiest first. */
export const SHOWN_HEALTHS: readonly Health[] = ['alive', 'new', 'stale', 'zombie', 'stuck', 'wedged', 'retired'];
const HEALTH_RANKS: ReadonlyMap<string, number> = new Map(HEALTH_NAMES.map((health, rank) => [health, rank]));

/** Worst first; a health the page does not know (data from a newer server) sorts last, never as a property of an object. */
export function healthRank(health: string): number {
  return HEALTH_RANKS.get(health) ?? HEALTH_NAMES.length;
}

export type SortKey = 'id' | 'stacktype' | 'state' | 'health' | 'since' | 'heartbeat' | 'hostname' | 'address' | 'note';
export interface Sort {
  readonly key: SortKey;
  readonly descending: boolean;
}

export interface Filter {
  /** Lower-cased; matched against id, switches, state, health, note and fields. */
  readonly text: string;
  readonly deployment: string;
  readonly nodepart: string;
  readonly stacktype: string;
  readonly health: string;
  /** The labels box, parsed; undefined when empty (or not a selector: the box says why). */
  readonly labels?: LabelSelector | undefined;
}

/** What a node of the past (/api/at) and of the present share, for the filters both views honour. */
export interface Placed {
  readonly id: string;
  readonly deployment: string | null;
  readonly nodepart: string | null;
  readonly stacktype: string | null;
  readonly state: string | null;
}

export interface Group {
  readonly deployment: string;
  readonly nodepart: string;
  readonly nodes: ApiNode[];
  readonly worst: number;
}

export const MISSING = '?';

export function matches(node: ApiNode, filter: Filter): boolean {
  if (filter.health !== '' && node.health !== filter.health) return false;
  if (filter.labels !== undefined && !matchesSelector(node.labels ?? {}, filter.labels)) return false;
  return matchesPlace(node, filter, [node.health, node.note, ...Object.values(node.fields ?? {}), ...Object.entries(node.labels ?? {}).map(([key, value]) => `${key}=${value}`)]);
}

/** The filters that mean the same now and in the past: where a node sits, and the text (also tried on `words`). */
export function matchesPlace(node: Placed, filter: Filter, words: ReadonlyArray<string | null> = []): boolean {
  if (filter.deployment !== '' && (node.deployment ?? MISSING) !== filter.deployment) return false;
  if (filter.nodepart !== '' && (node.nodepart ?? MISSING) !== filter.nodepart) return false;
  if (filter.stacktype !== '' && (node.stacktype ?? MISSING) !== filter.stacktype) return false;
  if (filter.text === '') return true;
  return [node.id, node.deployment, node.nodepart, node.stacktype, node.state, ...words].some((word) => word?.toLowerCase().includes(filter.text));
}

/** Groups by deployment and nodepart; groups holding wedged, zombie or stale nodes first. */
export function arrange(nodes: Iterable<ApiNode>, filter: Filter, sort: Sort): Group[] {
  const groups = new Map<string, Group>();
  for (const node of nodes) {
    if (!matches(node, filter)) continue;
    const deployment = node.deployment ?? MISSING;
    const nodepart = node.nodepart ?? MISSING;
    const key = `${deployment}\u0000${nodepart}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { deployment, nodepart, nodes: [], worst: 9 }));
    group.nodes.push(node);
    (group as { worst: number }).worst = Math.min(group.worst, healthRank(node.health));
  }
  const compare = comparer(sort);
  const list = [...groups.values()];
  for (const group of list) group.nodes.sort(compare);
  // Alive and retired groups keep their alphabetical place; only trouble jumps the queue.
  const urgency = (group: Group): number => Math.min(group.worst, healthRank('alive'));
  return list.sort((a, b) => urgency(a) - urgency(b) || byText(a.deployment, b.deployment) || byText(a.nodepart, b.nodepart));
}

function comparer(sort: Sort): (a: ApiNode, b: ApiNode) => number {
  const value = (node: ApiNode): string | number => {
    switch (sort.key) {
      case 'health':
        return healthRank(node.health);
      case 'since':
        return node.statetss ?? '';
      case 'heartbeat':
        return node.heartbeat ?? '';
      default:
        return node[sort.key] ?? '';
    }
  };
  const sign = sort.descending ? -1 : 1;
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    const primary = x < y ? -1 : x > y ? 1 : 0;
    return primary * sign || healthRank(a.health) - healthRank(b.health) || byText(a.id, b.id);
  };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function distinct<T>(nodes: Iterable<T>, pick: (node: T) => string | null): string[] {
  const seen = new Set<string>();
  for (const node of nodes) seen.add(pick(node) ?? MISSING);
  return [...seen].sort();
}
