import type { Budget } from '../sys/budget';
import type { PresenceChange } from './change';
import type { HistorySource } from './history';
import type { PresenceSource } from './source';

/**
 * The presence store, the one place both sides meet: nodes write changes
 * through it (the presence sinks are thin adapters from events to changes),
 * readers (the grid, `presence show`, the monitor, serve) read through it.
 * Implemented by a git repository (presence/git/), a bucket (presence/s3/) and,
 * for reading only, a folder (a checkout or a copy).
 */
export interface PresenceView {
  /** For messages: the folder, the remote with credentials hidden, or the bucket. */
  readonly description: string;
  /** it/presence/all: the current documents. */
  readonly current: PresenceSource;
  /** it/presence/flattime: the beats (the same place as `current`, or a heartbeat branch, or a bucket in hybrid). */
  readonly heartbeats: PresenceSource;
  /** The past for `history` and `at`; undefined for a plain folder. */
  readonly history?: HistorySource | undefined;
  /**
   * Every read goes to the source afresh (a folder, a bucket), so a long-running
   * reader keeps the view; a git remote must be opened (fetched) again.
   */
  readonly readsAfresh?: boolean | undefined;
}

/** What a write may take: the same limits a sink gets from the outbox. */
export type WriteContext = Budget;

export interface WriteFailure {
  /** Names the store (credentials hidden) and the reason. */
  readonly message: string;
  /** The store said no for good (a refusing hook, a denied bucket): the outbox keeps the change and retries with capped backoff. */
  readonly permanent?: boolean | undefined;
  /** The store asked us to wait (a lost race, throttling). */
  readonly retryAfterMs?: number | undefined;
}

export interface WriteOutcome {
  /** Changes written, counted from the front, in order. */
  readonly written: number;
  readonly failure?: WriteFailure | undefined;
}

export interface PresenceWriter {
  /** Writes the changes in order; a failure part-way leaves the rest for the next write. */
  write(changes: readonly PresenceChange[], context: WriteContext): Promise<WriteOutcome>;
  close?(): Promise<void>;
}
