import { flattimeDatePath, flattimeMinute, formatTss } from '../core/time';
import { probeAddress, runProbe, type Probe, type ProbeResult } from './probe';
import type { GridNode } from './view';

/**
 * Finding partners (SPEC §6): the plausibly live nodes (a recent heartbeat, or
 * a state change recent enough to count as one; a working state), optionally only those that answer a probe, and the
 * original's liveserver document so existing consumers keep working.
 */
export function plausiblyLive(nodes: readonly GridNode[], workingStates: readonly string[]): GridNode[] {
  // A new node (its state just published, its first beat not due yet) is as fresh as one that
  // beat: a boot script that finds its partners right after their `state set initdone` finds them,
  // as `nodegrid wait` does.
  return nodes.filter((node) => (node.health === 'alive' || node.health === 'new') && node.state !== null && workingStates.includes(node.state));
}

export interface ProbedNode {
  readonly node: GridNode;
  readonly address: string | undefined;
  readonly result: ProbeResult;
}

/** Probes every candidate at once (each bounded by the timeout), in the candidates' order. */
export async function probePartners(nodes: readonly GridNode[], probe: Probe, timeoutMs: number): Promise<ProbedNode[]> {
  return Promise.all(
    nodes.map(async (node): Promise<ProbedNode> => {
      const address = probeAddress(node.record.extra);
      if (address === undefined) return { node, address, result: { ok: false, detail: 'no privateIp or hostname in its presence document (presence.fields)' } };
      return { node, address, result: await runProbe(address, probe, timeoutMs) };
    }),
  );
}

/**
 * The original buildLiveServerJson.py's document: where it came from, when it
 * was built (tss "YYYYMMDD-HHMMSS", tsm the flattime minute), the minute's
 * datepath, and the presence "value" of each live node.
 */
export function liveServerDocument(nodes: readonly GridNode[], source: string, now: Date): Record<string, unknown> {
  return {
    source,
    tss: formatTss(now),
    tsm: flattimeMinute(now),
    datepath: flattimeDatePath(now),
    nodes: nodes.map(presenceValue),
  };
}

/** A node's document value as published, keys as in presence ("instance-id"). */
function presenceValue(node: GridNode): Record<string, string> {
  const record = node.record;
  const value: Record<string, string> = { 'instance-id': record.id };
  for (const key of ['deployment', 'nodepart', 'stacktype', 'initgitrepo', 'state', 'statetss'] as const) {
    const v = record[key];
    if (v !== undefined) value[key] = v;
  }
  value.statelog = record.statelog.map((e) => `${e.state}:${e.tss};`).join('');
  return { ...value, ...record.extra };
}
