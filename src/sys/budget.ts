/**
 * The limits a piece of delivery work runs under, handed down from the
 * outbox: to a sink's deliver(), and through a presence sink to the store's
 * write(). One shape, so a sink passes its own on unchanged.
 */
export interface Budget {
  /** Epoch ms after which the work should stop trying and report a failure. */
  readonly deadline: number;
  /** Aborted at the deadline. */
  readonly signal: AbortSignal;
  /** A line for the node's log (redacted by the caller). */
  readonly log: (line: string) => void;
}
