/**
 * One error class with stable codes. The CLI maps codes to exit codes in one
 * place (EXIT_CODES) so scripts can rely on them; the README documents the table.
 */
export const EXIT_CODES = {
  E_UNEXPECTED: 1,
  E_BAD_INPUT: 2,
  E_BAD_ID: 2,
  E_ILLEGAL_TRANSITION: 2,
  E_CONFIG: 2,
  E_NO_IDENTITY: 2,
  E_PROBLEMS_FOUND: 3,
  E_PENDING: 4,
  /** A sink has had undelivered events for longer than outbox.stuckAfterSeconds (tick, after the beat is recorded). */
  E_DELIVERY_STUCK: 5,
  /** The node asked about has no document in presence (nor in its history): `history`, `presence show`. */
  E_NOT_FOUND: 6,
  /** A remote could not be read: connection refused, no answer within the timeout, unknown host, authentication failed. */
  E_UNREACHABLE: 69,
  /** No space left, over quota, or a read-only file system where nodegrid had to write. */
  E_NO_SPACE: 74,
  E_LOCKED: 75,
  /** Temporary: others kept winning a race (the heartbeat branch moved under every compaction attempt). */
  E_BUSY: 75,
  /** Stopped by Ctrl-C (SIGINT) before it was done (`wait`): 128 + the signal's number, as a shell reports it. */
  E_INTERRUPTED: 130,
  /** Stopped by SIGTERM before it was done (`wait`). */
  E_TERMINATED: 143,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export class NodegridError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it; printed on its own line. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NodegridError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function exitCodeFor(error: unknown): number {
  return error instanceof NodegridError ? error.exitCode : EXIT_CODES.E_UNEXPECTED;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
