import { nodeLabel, type EventIncident, type NodeIdentity } from '../core/event';
import { TROUBLED_HEALTHS } from '../core/health';
import type { Labels } from '../core/labels';
import { parseTss } from '../core/time';
import type { GridNode } from '../grid/view';
import { healthReason, MONITOR_IDENTITY, type MonitorMemory } from './plan';

/**
 * What pagers are told in one pass, from what the monitor remembered before
 * and after it (pure). An incident is open for each node that is troubled
 * (wedged, zombie, stuck, stale) and neither silenced nor held back by a mass
 * silence, plus one grid-wide incident while a mass silence holds: what was
 * not open before is triggered, what was open and is not now is resolved.
 * Comparing states rather than announcements means a node still in trouble
 * when its silence ends is paged then, and a flap the grid's thresholds do
 * not see (staleAfterBeats) pages nobody. A silence holds new pages but
 * resolves nothing: an incident open before it stays open until the node
 * recovers. Nodes held back by a mass silence are remembered as they were.
 */
export interface PageDraft {
  readonly node: NodeIdentity;
  readonly labels?: Labels | undefined;
  readonly incident: EventIncident;
}

const MASS_SILENCE = 'mass-silence';

export function planPages(previous: MonitorMemory | undefined, next: MonitorMemory, nodes: readonly GridNode[], now: Date): PageDraft[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const drafts: PageDraft[] = [];
  const stillTroubled = openProblems(next, true);
  for (const [key, { id, problem }] of openProblems(previous, true)) {
    if (stillTroubled.has(key)) continue;
    drafts.push(id === MONITOR_IDENTITY.id ? gridPage('resolve', 'heartbeats are back') : resolvePage(id, problem, byId.get(id), previous!, now));
  }
  const pagedBefore = openProblems(previous, false);
  for (const [key, { id, problem }] of openProblems(next, false)) {
    if (pagedBefore.has(key)) continue;
    const node = byId.get(id);
    if (id === MONITOR_IDENTITY.id) drafts.push(gridPage('trigger', `${next.massSilence?.ids.length ?? 0} of ${next.massSilence?.baseline ?? 0} alive nodes went silent at once: likely this observer's network or the git host`));
    else if (node) drafts.push(triggerPage(node, problem, now));
  }
  return drafts;
}

/** The incidents a memory implies, by node and problem; `withSilenced`: counting nodes a silence covers. */
function openProblems(memory: MonitorMemory | undefined, withSilenced: boolean): Map<string, { id: string; problem: string }> {
  const open = new Map<string, { id: string; problem: string }>();
  if (!memory) return open;
  const silenced = new Set(withSilenced ? [] : (memory.silences ?? []).flatMap((silence) => silence.nodes));
  for (const [id, node] of memory.nodes) {
    if (TROUBLED_HEALTHS.has(node.health) && !silenced.has(id)) open.set(`${id}/${node.health}`, { id, problem: node.health });
  }
  if (memory.massSilence) open.set(`${MONITOR_IDENTITY.id}/${MASS_SILENCE}`, { id: MONITOR_IDENTITY.id, problem: MASS_SILENCE });
  return open;
}

function identityOf(node: GridNode): NodeIdentity {
  return { id: node.id, deployment: node.deployment ?? undefined, nodepart: node.nodepart ?? undefined, stacktype: node.stacktype ?? undefined };
}

/** "i-…:fed1/db1 wedged since 18:41 UTC: work failed 2 times: …", the reason as the monitor words it. */
function triggerPage(node: GridNode, problem: string, now: Date): PageDraft {
  const identity = identityOf(node);
  const since = node.statetss ? parseTss(node.statetss) : undefined;
  const reason = problem === 'wedged' ? (node.note ?? healthReason(node, now)) : healthReason(node, now);
  const when = problem !== 'stale' && since ? ` since ${since.toISOString().slice(11, 16)} UTC` : '';
  const labels = node.record.labels;
  return {
    node: identity,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    incident: {
      action: 'trigger',
      problem,
      summary: `${nodeLabel(identity)} ${problem}${when}${reason ? `: ${reason}` : ''}`,
      details: {
        health: problem,
        state: node.state ?? 'none',
        ...(node.statetss ? { statetss: node.statetss } : {}),
        lastHeartbeat: node.heartbeat ?? 'none',
        ...(node.note ? { note: node.note } : {}),
        ...(node.stacktype ? { stacktype: node.stacktype } : {}),
      },
    },
  };
}

function resolvePage(id: string, problem: string, node: GridNode | undefined, previous: MonitorMemory, now: Date): PageDraft {
  const remembered = previous.nodes.get(id);
  const identity: NodeIdentity = node ? identityOf(node) : { id, deployment: remembered?.deployment, nodepart: remembered?.nodepart, stacktype: remembered?.stacktype };
  const how = node ? `now ${node.health}${node.silenced ? ` (silenced by ${node.silenced.by})` : ''}${node.state ? `, ${node.state}` : ''}` : 'no longer in presence';
  return {
    node: identity,
    incident: { action: 'resolve', problem, summary: `${nodeLabel(identity)} is no longer ${problem}: ${how}`, details: { health: node?.health ?? 'gone', resolvedAt: now.toISOString() } },
  };
}

function gridPage(action: 'trigger' | 'resolve', summary: string): PageDraft {
  return { node: MONITOR_IDENTITY, incident: { action, problem: MASS_SILENCE, summary: `${nodeLabel(MONITOR_IDENTITY)}: ${summary}` } };
}
