import type { Health } from '../core/health';
import { formatSelector, type LabelSelector } from '../core/label-selector';
import { filterNodes } from './query';
import type { GridNode } from './view';

/**
 * `nodegrid wait`'s condition, decided on one reading of the grid. Pure: the
 * command reads presence, this says whether what it read is enough.
 */
export type WaitTarget =
  | { readonly kind: 'node'; readonly id: string }
  | {
      readonly kind: 'group';
      readonly deployment?: string | undefined;
      readonly nodepart?: string | undefined;
      readonly stacktype?: string | undefined;
      readonly labels?: LabelSelector | undefined;
      readonly count: number;
    };

export interface WaitCondition {
  readonly target: WaitTarget;
  /** Any of these states will do (initdone,running: ready, or already further). */
  readonly states: readonly string[];
}

export interface WaitReading {
  readonly holds: boolean;
  /** The nodes that count: in one of the states and not stale or zombie. */
  readonly matching: GridNode[];
  /** What the grid shows now, for the progress line: "1 so far", "it is setup (alive)". */
  readonly progress: string;
}

/**
 * A node that stopped beating (stale) or is stuck setting up (zombie) is no
 * partner, whatever its document says. Every other health counts: alive; new
 * (its state change is published but its first heartbeat not yet due, as
 * right after `state set initdone` in a boot script); and retired or wedged,
 * which only a node in that very state has, for whoever waits for them.
 */
const NOT_COUNTED: ReadonlySet<Health> = new Set(['stale', 'zombie']);

export function countsForWait(node: GridNode, states: readonly string[]): boolean {
  return node.state !== null && states.includes(node.state) && !NOT_COUNTED.has(node.health);
}

export function evaluateWait(condition: WaitCondition, nodes: readonly GridNode[]): WaitReading {
  const { target, states } = condition;
  if (target.kind === 'node') {
    const node = nodes.find((candidate) => candidate.id === target.id);
    if (node === undefined) return { holds: false, matching: [], progress: 'no presence document yet' };
    if (countsForWait(node, states)) return { holds: true, matching: [node], progress: `it is ${node.state} (${node.health})` };
    const progress = node.state === null ? `it has no state (${node.health})` : states.includes(node.state) ? `it is ${node.state} but ${node.health}` : `it is ${node.state} (${node.health})`;
    return { holds: false, matching: [], progress };
  }
  const group = filterNodes(nodes, { deployment: target.deployment, nodepart: target.nodepart, stacktype: target.stacktype, labels: target.labels, states });
  const matching = group.filter((node) => countsForWait(node, states));
  const left = group.length - matching.length;
  const progress = `${matching.length} so far${left > 0 ? ` (${left} more in ${states.join('|')} but stale or zombie)` : ''}`;
  return { holds: matching.length >= target.count, matching, progress };
}

/** "2 db1 nodes of fed1 in initdone", "i-4e7cb59a in initdone|running": what a message says is awaited. */
export function describeWait(condition: WaitCondition): string {
  const { target } = condition;
  const states = condition.states.join('|');
  if (target.kind === 'node') return `${target.id} in ${states}`;
  const what = [target.nodepart, `node${target.count === 1 ? '' : 's'}`].filter(Boolean).join(' ');
  const of = [target.deployment, target.stacktype === undefined ? undefined : `stacktype ${target.stacktype}`, target.labels === undefined ? undefined : `labels ${formatSelector(target.labels)}`].filter(Boolean).join(', ');
  return `${target.count} ${what}${of ? ` of ${of}` : ''} in ${states}`;
}
