import { describeEvent, nodeLabel, type NodeEvent, type NodeIdentity } from '../../core/event';
import type { Color } from '../../core/lifecycle';
import { eventMessage, utcTime, type ChatMessage } from './message';

/**
 * No floods: what one queue sends one destination in one go. Critical events
 * are posted each on its own, ahead of anything chatty that waited; chatty
 * events that piled up (an outage, --no-wait) become one digest post; state
 * changes the monitor observed across the grid become one grid digest.
 */
export interface PlannedPost {
  readonly message: ChatMessage;
  /** The events this post delivers. */
  readonly eventIds: readonly string[];
}

export function planPosts(events: readonly NodeEvent[]): PlannedPost[] {
  const observed = events.filter((event) => event.kind === 'observed');
  const own = events.filter((event) => event.kind !== 'observed');
  const critical = own.filter((event) => event.severity === 'critical');
  const chatty = own.filter((event) => event.severity !== 'critical');
  const posts: PlannedPost[] = critical.map((event) => ({ message: eventMessage(event), eventIds: [event.id] }));
  if (chatty.length === 1) posts.push({ message: eventMessage(chatty[0]!), eventIds: [chatty[0]!.id] });
  if (chatty.length > 1) posts.push({ message: nodeDigestMessage(chatty), eventIds: chatty.map((event) => event.id) });
  const grid = formatGridDigest(observed.map(gridChangeOf), { now: observed.length > 0 ? new Date(observed.at(-1)!.time) : undefined });
  if (grid) posts.push({ message: grid, eventIds: observed.map((event) => event.id) });
  return posts;
}

/** An observed event as the grid digest groups it. */
export function gridChangeOf(event: NodeEvent): GridChange {
  return { node: event.node, from: event.from, state: event.state ?? 'none', color: event.color };
}

/** Lines shown in one digest; the middle of a longer run is summarised. */
const DIGEST_HEAD = 5;
const DIGEST_TAIL = 10;

/** "i-5e7ab38a:fed1/app1: 20 changes, now running" with one line per change, oldest first. */
export function nodeDigestMessage(events: readonly NodeEvent[]): ChatMessage {
  const last = events.at(-1)!;
  const labels = new Set(events.map((event) => nodeLabel(event.node)));
  // Events of one node normally share a label; after a re-init they may not, so each line then says whose it is.
  const sameNode = labels.size === 1;
  const line = (event: NodeEvent): string => {
    const text = describeEvent(event);
    const body = sameNode ? text.slice(nodeLabel(event.node).length + 2) : text;
    return `${event.time.slice(11, 19)} ${body}`;
  };
  const shown =
    events.length <= DIGEST_HEAD + DIGEST_TAIL
      ? events.map(line)
      : [...events.slice(0, DIGEST_HEAD).map(line), `… ${events.length - DIGEST_HEAD - DIGEST_TAIL} more changes …`, ...events.slice(-DIGEST_TAIL).map(line)];
  const who = sameNode ? nodeLabel(last.node) : `${labels.size} node identities`;
  return {
    kind: 'digest',
    title: `${who}: ${events.length} changes, now ${last.state ?? 'without a state'}`,
    lines: [...shown, `${utcTime(events[0]!.time)} to ${utcTime(last.time)}`],
    color: last.color,
    severity: 'chatty',
    events,
    time: last.time,
  };
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
