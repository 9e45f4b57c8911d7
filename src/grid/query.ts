import { HEALTHS, type Health } from '../core/health';
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
}

export function filterNodes(nodes: readonly GridNode[], filter: GridFilter): GridNode[] {
  return nodes.filter(
    (node) =>
      (filter.deployment === undefined || node.deployment === filter.deployment) &&
      (filter.nodepart === undefined || node.nodepart === filter.nodepart) &&
      (filter.stacktype === undefined || node.stacktype === filter.stacktype) &&
      (filter.states === undefined || (node.state !== null && filter.states.includes(node.state))) &&
      (filter.healths === undefined || filter.healths.includes(node.health)),
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
  const order: Health[] = ['alive', 'new', 'stale', 'zombie', 'wedged', 'retired'];
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
