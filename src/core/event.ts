import type { Labels } from './labels';
import type { Color, Severity } from './lifecycle';

/**
 * The value a change becomes. Sinks receive events and nothing else: an event
 * carries everything a sink needs (identity, the statelog as of the change) so
 * a sink never reads the node's files or the CLI's flags.
 */
export interface NodeIdentity {
  readonly id: string;
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
  readonly stacktype?: string | undefined;
  readonly initgitrepo?: string | undefined;
}

/**
 * state: a lifecycle change. heartbeat: "alive this minute". notify: free text.
 * announce: "publish my current document again" (`presence push`), no state change.
 * observed: a node's state change as the monitor saw it in presence (queued in the
 * monitor's own outbox for `via: monitor` chat destinations, which post them as
 * grid digests); `node` is the node observed, not the observer.
 * page: an incident the monitor opens or resolves for a node (it saw it go
 * stale, zombie, stuck or wedged, or recover), for paging destinations only.
 */
export const EVENT_KINDS = ['state', 'heartbeat', 'notify', 'announce', 'observed', 'page'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface NodeEvent {
  /** Unique id; sinks use it to stay idempotent under at-least-once delivery. */
  readonly id: string;
  /** Per-node sequence number, 1, 2, 3 … without gaps. */
  readonly seq: number;
  readonly kind: EventKind;
  readonly node: NodeIdentity;
  /** State before the change (state events), null when the node had none. */
  readonly from: string | null;
  /** The node's state after the event. */
  readonly state: string | null;
  /** ISO time of the event. */
  readonly time: string;
  /** statetss and statelog as of this event, so sinks can write the document of that moment. */
  readonly statetss: string | null;
  readonly statelog: string;
  readonly severity: Severity;
  readonly color: Color;
  readonly note?: string | undefined;
  /**
   * Any other kind: the note of the state change that set the node's current
   * state ("disk full"), so a beat or an announce publishes the same reason as
   * the change did. A state event's own note is that reason.
   */
  readonly stateNote?: string | undefined;
  /** Free text of a notify event. */
  readonly message?: string | undefined;
  /** Allow-listed extra fields (hostname, privateIp, version …), already checked for secrets. */
  readonly fields?: Readonly<Record<string, string>> | undefined;
  /** The node's labels (node/labels.ts), already checked; absent when it has none, so older events read the same. */
  readonly labels?: Labels | undefined;
  /** A page event's incident: what to open or resolve, already worded and redacted. */
  readonly incident?: EventIncident | undefined;
}

export interface EventIncident {
  readonly action: 'trigger' | 'resolve';
  /** `wedged`, `stale`, `zombie`, `stuck`, `mass-silence`: with the node id, the incident's key (core/incident.ts). */
  readonly problem: string;
  readonly summary: string;
  readonly details?: Readonly<Record<string, string>> | undefined;
}

/** The longest note a change may carry (chat, commit messages, presence documents). */
export const MAX_NOTE_CHARS = 2000;

/** The reason given for the node's current state, as of this event. */
export function reasonOf(event: NodeEvent): string | undefined {
  return event.kind === 'state' ? event.note : event.stateNote;
}

/** "i-4e7cb59a:fed1/db1": how the original named a node in chat and commits. */
export function nodeLabel(node: NodeIdentity): string {
  return `${node.id}:${node.deployment ?? '?'}/${node.nodepart ?? '?'}`;
}

/** "i-4e7cb59a:fed1/db1: setup -> initdone (init took 104 s)". */
export function describeEvent(event: NodeEvent): string {
  const note = event.note ? ` (${event.note})` : '';
  switch (event.kind) {
    case 'state':
    case 'observed':
      return `${nodeLabel(event.node)}: ${event.from ?? 'none'} -> ${event.state}${note}`;
    case 'heartbeat':
      return `${event.node.id}: heartbeat ${event.time.slice(0, 16).replace(/[-:T]/g, '')}`;
    case 'notify':
      return `${nodeLabel(event.node)}: ${event.message ?? ''}${note}`;
    case 'announce':
      return `${nodeLabel(event.node)}: announce ${event.state ?? '(no state yet)'}${note}`;
    case 'page':
      return `${event.incident?.action ?? 'page'}: ${event.incident?.summary ?? nodeLabel(event.node)}`;
  }
}
