import { describeEvent, nodeLabel, type NodeEvent, type NodeIdentity } from '../../core/event';
import type { Color } from '../../core/lifecycle';
import { eventDetails, eventMessage, utcTime, type ChatMessage } from './message';

/**
 * No floods, and no stale last word: what one queue sends one destination in
 * one go. A critical event carries the chatty events of its node that waited
 * before it (an outage, --no-wait) in the same post, so the alarm goes out at
 * once, headlined, and the room's messages about a node still end with its
 * latest state; a separate digest ahead of it would cost the alarm a paced
 * post and could hold it back by failing. Chatty events after a node's last
 * critical one become one digest post (or the event itself when alone), after
 * the critical posts. State changes the monitor observed across the grid
 * become one grid digest. Posts keep each node's events in sequence order.
 */
export interface PlannedPost {
  readonly message: ChatMessage;
  /** The events this post delivers. */
  readonly eventIds: readonly string[];
}

export function planPosts(events: readonly NodeEvent[]): PlannedPost[] {
  const observed = events.filter((event) => event.kind === 'observed');
  const { alarms, after } = foldIntoAlarms(events.filter((event) => event.kind !== 'observed'));
  const posts: PlannedPost[] = alarms.map((alarm) => ({ message: alarmMessage(alarm), eventIds: alarm.map((event) => event.id) }));
  if (after.length === 1) posts.push({ message: eventMessage(after[0]!), eventIds: [after[0]!.id] });
  if (after.length > 1) posts.push({ message: nodeDigestMessage(after), eventIds: after.map((event) => event.id) });
  const grid = formatGridDigest(observed.map(gridChangeOf), { now: observed.length > 0 ? new Date(observed.at(-1)!.time) : undefined });
  if (grid) posts.push({ message: grid, eventIds: observed.map((event) => event.id) });
  return posts;
}

/**
 * Each critical event, oldest first, with the chatty events of the same node
 * (by id: the monitor's queue speaks of many nodes) that came after that
 * node's previous critical one; and the chatty events no critical one took.
 */
function foldIntoAlarms(events: readonly NodeEvent[]): { alarms: NodeEvent[][]; after: NodeEvent[] } {
  const waiting = new Map<string, NodeEvent[]>();
  const alarms: NodeEvent[][] = [];
  for (const event of events) {
    const earlier = waiting.get(event.node.id) ?? [];
    if (event.severity === 'critical') {
      alarms.push([...earlier, event]);
      waiting.delete(event.node.id);
    } else {
      waiting.set(event.node.id, [...earlier, event]);
    }
  }
  const left = new Set([...waiting.values()].flat());
  return { alarms, after: events.filter((event) => left.has(event)) };
}

/** An observed event as the grid digest groups it. */
export function gridChangeOf(event: NodeEvent): GridChange {
  return { node: event.node, from: event.from, state: event.state ?? 'none', color: event.color };
}

/** Lines shown in one digest; the middle of a longer run is summarised. */
const DIGEST_HEAD = 5;
const DIGEST_TAIL = 10;

/**
 * A critical event with the chatty ones of its node before it: the alarm is
 * the headline, the lines tell what happened up to it, oldest first.
 */
export function alarmMessage(events: readonly NodeEvent[]): ChatMessage {
  const critical = events.at(-1)!;
  if (events.length === 1) return eventMessage(critical);
  const earlier = events.length - 1;
  return {
    kind: 'digest',
    title: describeEvent(critical),
    lines: [...changeLines(events), `${eventDetails(critical)} · with the ${earlier === 1 ? 'change' : `${earlier} changes`} before it`],
    color: critical.color,
    severity: critical.severity,
    events,
    time: critical.time,
  };
}

/**
 * "i-5e7ab38a:fed1/app1: 20 changes, now running" with one line per change,
 * oldest first. "Now" is the last event's state, so callers pass only events
 * after the node's last critical one (planPosts does); events of several
 * nodes (the monitor's announcements) claim no state.
 */
export function nodeDigestMessage(events: readonly NodeEvent[]): ChatMessage {
  const last = events.at(-1)!;
  const ids = new Set(events.map((event) => event.node.id));
  const labels = new Set(events.map((event) => nodeLabel(event.node)));
  const who = labels.size === 1 ? nodeLabel(last.node) : `${labels.size} node identities`;
  return {
    kind: 'digest',
    title: ids.size === 1 ? `${who}: ${events.length} changes, now ${last.state ?? 'without a state'}` : `${events.length} changes of ${ids.size} nodes`,
    lines: [...changeLines(events), `${utcTime(events[0]!.time)} to ${utcTime(last.time)}`],
    color: last.color,
    severity: 'chatty',
    events,
    time: last.time,
  };
}

/** "17:48:30 setup -> initdone", the middle of a long run summarised. */
function changeLines(events: readonly NodeEvent[]): string[] {
  // Events of one node normally share a label; after a re-init, or in the monitor's queue, they may not, so each line then says whose it is.
  const sameLabel = new Set(events.map((event) => nodeLabel(event.node))).size === 1;
  const line = (event: NodeEvent): string => {
    const text = describeEvent(event);
    const body = sameLabel ? text.slice(nodeLabel(event.node).length + 2) : text;
    return `${event.time.slice(11, 19)} ${body}`;
  };
  if (events.length <= DIGEST_HEAD + DIGEST_TAIL) return events.map(line);
  return [...events.slice(0, DIGEST_HEAD).map(line), `… ${events.length - DIGEST_HEAD - DIGEST_TAIL} more changes …`, ...events.slice(-DIGEST_TAIL).map(line)];
}

/** One node's change as the monitor sees it in presence. */
export interface GridChange {
  readonly node: NodeIdentity;
  readonly from: string | null;
  readonly state: string;
  readonly color: Color;
}

export interface GridDigestOptions {
  /** Node ids listed per group before "…". */
  readonly maxIdsPerGroup?: number;
  readonly now?: Date | undefined;
}

/**
 * The grid-wide digest of what the monitor observed, posted to `via: monitor`
 * destinations: fifty nodes launching become a few lines such as
 * "12 nodes of fed1/app1: setup -> initdone: i-…, i-…, …". Undefined when
 * nothing changed.
 */
export function formatGridDigest(changes: readonly GridChange[], options: GridDigestOptions = {}): ChatMessage | undefined {
  if (changes.length === 0) return undefined;
  const maxIds = options.maxIdsPerGroup ?? 8;
  const groups = new Map<string, GridChange[]>();
  for (const change of changes) {
    const key = `${change.node.deployment ?? '?'}/${change.node.nodepart ?? '?'}: ${change.from ?? 'none'} -> ${change.state}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const lines = ordered.map(([key, members]) => {
    if (members.length === 1) return `${nodeLabel(members[0]!.node)}: ${key.slice(key.indexOf(': ') + 2)}`;
    const ids = members.map((member) => member.node.id).sort();
    const listed = ids.length > maxIds ? [...ids.slice(0, maxIds), `… ${ids.length - maxIds} more`] : ids;
    return `${members.length} nodes of ${key}: ${listed.join(', ')}`;
  });
  const time = (options.now ?? new Date()).toISOString();
  const biggest = ordered[0]![1];
  return {
    kind: 'grid-digest',
    title: lines.length === 1 ? lines[0]! : `${changes.length} nodes changed state`,
    lines: lines.length === 1 ? [utcTime(time)] : [...lines, utcTime(time)],
    color: biggest[0]!.color,
    severity: 'chatty',
    events: [],
    time,
  };
}
