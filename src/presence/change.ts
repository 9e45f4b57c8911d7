import { nodeLabel, type NodeEvent } from '../core/event';
import { beatDocument, formatPresenceDocument, presenceValueOf } from './format';

/**
 * What one event writes to presence, as values: the presence sinks turn the
 * outbox's events into changes, the stores (git, S3) write changes. A store
 * never sees an event, a sink never sees a commit or an object key. Pure.
 */
export type PresenceChange = DocumentChange | BeatChange;

/** A state change or an announce: the node's current document as of that event. */
export interface DocumentChange {
  readonly kind: 'state' | 'announce';
  readonly id: string;
  /** The event's sequence number: where the S3 store keeps a state change's history object. */
  readonly seq: number;
  /** The document's bytes (SPEC §5), identical to the original's. */
  readonly content: string;
  readonly statetss: string | undefined;
  /** As written in the document: a redelivered state change is recognised by it. */
  readonly statelog: string;
  /** For the record of the past: "i-…:fed1/db1: setup -> initdone", the note as its body, the event as a trailer. */
  readonly message: string;
  /** "<field> of event 12": values left out of the document because they look like keys or tokens. */
  readonly refused: readonly string[];
}

/** One heartbeat: the node's document in its flattime minute. */
export interface BeatChange {
  readonly kind: 'beat';
  readonly id: string;
  readonly at: Date;
  readonly content: string;
  readonly refused: readonly string[];
}

export interface ChangeOptions {
  /**
   * Beats closer than a minute share a flattime folder, so each beat document
   * also carries "heartbeat": its own time. Minute beats stay byte-identical
   * to the current document, as in the original.
   */
  readonly stampBeats: boolean;
}

/** One change per event, in order; a notify or an observation has no place in presence and is refused loudly (a sink's kinds keep them out). */
export function presenceChanges(events: readonly NodeEvent[], options: ChangeOptions): PresenceChange[] {
  return events.map((event) => presenceChange(event, options));
}

export function presenceChange(event: NodeEvent, options: ChangeOptions): PresenceChange {
  const { value, labels, refused: secretLike } = presenceValueOf(event);
  const refused = secretLike.map((key) => `${key} of event ${event.seq}`);
  const id = event.node.id;
  switch (event.kind) {
    case 'heartbeat': {
      const at = new Date(event.time);
      return { kind: 'beat', id, at, content: beatDocument(value, at, options.stampBeats, labels), refused };
    }
    case 'state':
    case 'announce':
      return {
        kind: event.kind,
        id,
        seq: event.seq,
        content: formatPresenceDocument(value, labels),
        statetss: value.statetss,
        statelog: event.statelog,
        message: event.kind === 'state' ? stateMessage(event) : withTrailer(`${nodeLabel(event.node)}: announce ${event.state ?? '(no state yet)'}`, event),
        refused,
      };
    case 'notify':
    case 'observed':
    case 'page':
      throw new Error(`event ${event.seq} is a ${event.kind}: presence keeps documents and beats only`);
  }
}

/** "i-4e7cb59a:fed1/db1: setup -> initdone", the note as the body. */
function stateMessage(event: NodeEvent): string {
  const subject = `${nodeLabel(event.node)}: ${event.from ?? 'none'} -> ${event.state ?? 'none'}`;
  return withTrailer(event.note ? `${subject}\n\n${event.note}` : subject, event);
}

/** Which event made a commit, for people reading `git log` and for debugging redeliveries. */
function withTrailer(message: string, event: NodeEvent): string {
  return `${message}\n\nNodegrid-Event: ${event.seq} ${event.id}`;
}
