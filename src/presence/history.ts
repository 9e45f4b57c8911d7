import type { PresenceRecord } from './read';

/**
 * A node's past, from `git log` of its document: every version with its commit
 * time, and every state it went through, including states that later fell out
 * of the statelog (a node re-initialised, a statelog cut short). Needs a clone
 * with the history (the sink's own clone is shallow).
 */
export interface DocumentVersion {
  readonly commit: string;
  readonly committedAt: Date;
  readonly subject: string;
  /** The document as of this commit; undefined when the commit deleted it or it could not be read. */
  readonly record?: PresenceRecord | undefined;
  readonly deleted: boolean;
  readonly problem?: string | undefined;
}

/**
 * Where the past is kept: a git branch, or (S3) history objects or bucket
 * versions. `history` and `at` ask only these two questions.
 */
export interface HistorySource {
  /** Every version of a node's current document, oldest first. */
  versionsOf(id: string): Promise<DocumentVersion[]>;
  /** The current documents as they were at `when`; `ref` names that point (a commit), null when the history starts later. */
  documentsAt(when: Date): Promise<{ ref: string | null; records: readonly PresenceRecord[] }>;
}
