import type { Health } from '../core/health';
import { looksLikeSecret, redactSecrets } from '../core/secrets';
import { parseTss } from '../core/time';
import { probeAddress } from '../grid/probe';
import { countHealth } from '../grid/query';
import { summaryJson, type GridNode } from '../grid/view';
import type { ApiNode, GridEvent, SkippedDocument } from './api';

/**
 * The grid as the dashboard last read it, and what changed between two reads.
 * Pure: the refresh loop (live.ts) does the I/O and hands the results here.
 */
export interface GridSnapshot {
  readonly now: Date;
  readonly nodes: ReadonlyMap<string, ApiNode>;
  /** Each node serialised once, so diffing 10,000 nodes is string comparisons. */
  readonly keys: ReadonlyMap<string, string>;
  readonly counts: Record<Health, number>;
  readonly problems: readonly SkippedDocument[];
}

export function buildSnapshot(nodes: readonly GridNode[], problems: readonly SkippedDocument[], now: Date): GridSnapshot {
  const byId = new Map<string, ApiNode>();
  const keys = new Map<string, string>();
  for (const node of nodes) {
    const api = apiNode(node);
    byId.set(api.id, api);
    keys.set(api.id, JSON.stringify(api));
  }
  return { now, nodes: byId, keys, counts: countHealth(nodes), problems };
}

/**
 * The `nodes --json` shape. Presence is meant to be shareable, but an extra
 * field that looks like a key or token is still masked: a dashboard is opened
 * on laptops and projected in rooms.
 */
export function apiNode(node: GridNode): ApiNode {
  const { record } = node;
  const extra = Object.entries(record.extra);
  const fields = extra.length === 0 ? undefined : Object.fromEntries(extra.map(([k, v]) => [k, looksLikeSecret(v) ? redactSecrets(v) : v]));
  // The same columns as `nodes -o wide`, from the masked fields: a masked value is never probed or shown.
  const hostname = fields?.hostname;
  const address = fields ? probeAddress(fields) : undefined;
  return {
    ...summaryJson(node),
    initgitrepo: record.initgitrepo ?? null,
    ...(fields ? { fields } : {}),
    ...(Object.keys(record.labels).length > 0 ? { labels: record.labels } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    ...(address !== undefined ? { address } : {}),
  };
}

export interface SnapshotDiff {
  readonly changed: ApiNode[];
  readonly removed: string[];
  /** Without seq numbers: the event log assigns them. Oldest first. */
  readonly events: Array<Omit<GridEvent, 'seq'>>;
}

/** What a page holding `before` needs to show `after`, and the feed lines it makes. */
export function diffSnapshots(before: GridSnapshot, after: GridSnapshot): SnapshotDiff {
  const changed: ApiNode[] = [];
  const events: Array<Omit<GridEvent, 'seq'>> = [];
  const noticed = after.now.toISOString();
  for (const [id, node] of after.nodes) {
    if (before.keys.get(id) === after.keys.get(id)) continue;
    changed.push(node);
    const old = before.nodes.get(id);
    const where = { id, deployment: node.deployment, nodepart: node.nodepart };
    if (!old) {
      events.push({ ...where, at: noticed, kind: 'appeared', from: null, to: node.state });
      continue;
    }
    if (old.state !== node.state || old.statetss !== node.statetss) {
      events.push({ ...where, at: tssIso(node.statetss) ?? noticed, kind: 'state', from: old.state, to: node.state });
    }
    if (old.health !== node.health) events.push({ ...where, at: noticed, kind: 'health', from: old.health, to: node.health });
  }
  const removed: string[] = [];
  for (const [id, old] of before.nodes) {
    if (after.nodes.has(id)) continue;
    removed.push(id);
    events.push({ id, deployment: old.deployment, nodepart: old.nodepart, at: noticed, kind: 'removed', from: old.state, to: null });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { changed, removed, events };
}

/**
 * The feed's first lines, before the server has seen anything change: the
 * latest statelog steps across the grid (up to `perNode` per node), oldest first.
 */
export function eventsFromStatelogs(nodes: readonly GridNode[], limit: number, perNode = 3): Array<Omit<GridEvent, 'seq'>> {
  const out: Array<Omit<GridEvent, 'seq'>> = [];
  for (const node of nodes) {
    const log = node.record.statelog;
    for (let i = Math.max(0, log.length - perNode); i < log.length; i++) {
      const entry = log[i]!;
      const at = tssIso(entry.tss);
      if (at === undefined) continue;
      out.push({ id: node.id, deployment: node.deployment, nodepart: node.nodepart, at, kind: 'state', from: log[i - 1]?.state ?? null, to: entry.state });
    }
  }
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  return out.slice(-limit);
}

function tssIso(tss: string | null): string | undefined {
  const date = tss === null ? undefined : parseTss(tss);
  return date?.toISOString();
}

/** The newest `capacity` events, numbered as they arrive. */
export class EventLog {
  private readonly items: GridEvent[] = [];
  private nextSeq = 1;

  constructor(private readonly capacity: number) {}

  /** Adds events (oldest first) and returns them numbered. */
  add(events: ReadonlyArray<Omit<GridEvent, 'seq'>>): GridEvent[] {
    const numbered = events.map((event) => ({ ...event, seq: this.nextSeq++ }));
    this.items.push(...numbered);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    return numbered;
  }

  /** Newest first. */
  latest(limit: number): GridEvent[] {
    return this.items.slice(-limit).reverse();
  }
}
