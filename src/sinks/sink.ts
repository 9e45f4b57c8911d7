import type { EventKind, NodeEvent } from '../core/event';
import type { Budget } from '../sys/budget';

/** presence: the grid's record (git, S3); chat: rooms people read; paging: on-call tools that wake people; tags: the cloud's own view; exec: the operator's commands. */
export type SinkRole = 'presence' | 'chat' | 'paging' | 'tags' | 'exec';

/**
 * The one small interface every place a change goes implements. A sink gets
 * events in order and says how many of them (from the front) it delivered;
 * it knows nothing of the CLI, the outbox's files or the other sinks.
 */
export type DeliveryContext = Budget;

export interface SinkFailure {
  /** Names the destination (redacted) and the reason; shown in `nodegrid outbox`. */
  readonly message: string;
  /** The destination said no for good (permission denied, webhook deleted): counted towards setting the event aside. */
  readonly permanent?: boolean | undefined;
  /** The destination asked us to wait (429 Retry-After, throttling). */
  readonly retryAfterMs?: number | undefined;
  /**
   * With `permanent`: the events the refusal concerns (a chat digest carries
   * several); they are set aside together. Default: the first pending event.
   */
  readonly eventIds?: readonly string[] | undefined;
}

export interface DeliveryOutcome {
  /** Events delivered, counted from the front of the batch. */
  readonly delivered: number;
  /**
   * Events delivered out of order, by id, besides the first `delivered`: a
   * sink may send an urgent event ahead of older ones (chat posts the
   * monitor's alarm about one node before older chatty news of others).
   */
  readonly deliveredIds?: readonly string[] | undefined;
  readonly failure?: SinkFailure | undefined;
}

export interface Sink {
  deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome>;
  close?(): Promise<void>;
}

/**
 * What the outbox knows about a sink before loading it: its queue name, which
 * events it wants, and how to load it (heavy sinks such as EC2 live in their
 * own chunk and are imported only when there is something to deliver).
 */
export interface SinkDescriptor {
  /** Queue name, also a folder name: "exec:hook", "presence:origin", "chat:ops", "ec2". */
  readonly name: string;
  /** Events handed to one deliver() call at most (chat digests and heartbeat coalescing take several). */
  readonly maxBatch: number;
  /** What the sink is for, so commands pick sinks by purpose, never by name. */
  readonly role: SinkRole;
  /** The kinds of event it takes at all (`tick` asks whether anyone wants heartbeats); accepts() may narrow further. */
  readonly kinds: readonly EventKind[];
  accepts(event: NodeEvent): boolean;
  load(): Promise<Sink>;
  /** Strings this sink's config holds that must never be printed (URLs, tokens). */
  readonly secrets: readonly string[];
  /**
   * The grid's record (presence in git or S3): an event it refuses is kept
   * queued and retried with capped backoff for as long as it is undelivered (a
   * refusing hook may be fixed tomorrow; a lost state change makes the node
   * look wrong to the whole grid), and only an operator drops it. Other sinks
   * set an event aside after outbox.maxPermanentFailures refusals, loudly.
   */
  readonly keepsRefusedEvents?: boolean | undefined;
}

/** What every sink may know of the node it runs on. */
export interface SinkEnvironment {
  /** $NODEGRID_HOME, for sinks that keep state of their own (the presence clone). */
  readonly homeDir: string;
}
