import { NodegridError } from '../core/errors';
import { formatDuration, parseTss } from '../core/time';
import type { GridNode } from './view';

/**
 * Which nodes `nodegrid presence forget` removes, decided on one reading of
 * the grid. Pure. A node is forgotten only when it is retired (it recorded
 * decommissioned), unless --force; with a cutoff, only when it retired before
 * it. Anything refused refuses the whole command: bad input changes nothing.
 */
export interface ForgetRequest {
  /** Named nodes; empty with allRetired. */
  readonly ids: readonly string[];
  readonly allRetired: boolean;
  /** Retired before this (--older-than); undefined: any time. */
  readonly cutoff: Date | undefined;
  readonly force: boolean;
}

export interface ForgetCandidate {
  readonly node: GridNode;
  /** When it entered its current state, when known. */
  readonly since: Date | undefined;
}

export function planForget(nodes: readonly GridNode[], request: ForgetRequest, now: Date): ForgetCandidate[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const candidate = (node: GridNode): ForgetCandidate => ({ node, since: node.statetss ? parseTss(node.statetss) : undefined });
  const oldEnough = (c: ForgetCandidate): boolean => request.cutoff === undefined || (c.since !== undefined && c.since < request.cutoff);
  if (request.allRetired) {
    return nodes.filter((node) => node.health === 'retired').map(candidate).filter(oldEnough);
  }
  const missing = request.ids.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new NodegridError('E_NOT_FOUND', `no current document for ${missing.join(', ')} in presence; nothing was removed`, {
      hint: 'nodegrid nodes lists the nodes presence has; a node forgotten before is only in its history (nodegrid history ID)',
    });
  }
  const chosen = request.ids.map((id) => candidate(byId.get(id)!));
  const live = chosen.filter((c) => c.node.health !== 'retired');
  if (live.length > 0 && !request.force) {
    const which = live.map((c) => `${c.node.id} is ${c.node.health} (state ${c.node.state ?? 'none'})`).join('; ');
    throw new NodegridError('E_BAD_INPUT', `refusing to forget a node that is not retired: ${which}; nothing was removed`, {
      hint: 'forget is for decommissioned nodes: decommission it first (nodegrid request decommission ID), or give --force to remove its document anyway',
    });
  }
  const young = chosen.filter((c) => !oldEnough(c));
  if (young.length > 0 && !request.force) {
    const which = young.map((c) => `${c.node.id} retired ${c.since ? `${formatDuration(now.getTime() - c.since.getTime())} ago` : 'at an unknown time'}`).join('; ');
    throw new NodegridError('E_BAD_INPUT', `refusing to forget a node retired more recently than --older-than: ${which}; nothing was removed`, {
      hint: 'give a shorter --older-than, or leave it out to forget a named node whenever it retired',
    });
  }
  return chosen;
}
