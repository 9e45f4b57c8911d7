import type { Health } from './health';

/**
 * The shapes an observer shows for a node and its history. Shared by the grid
 * commands (`nodes --json`, `history --json`) and the dashboard's JSON API and
 * page, so the field names cannot drift apart. Types only, no code: the
 * browser page type-checks against this file too.
 */
export interface NodeSummary {
  readonly id: string;
  readonly deployment: string | null;
  readonly nodepart: string | null;
  readonly stacktype: string | null;
  readonly state: string | null;
  readonly statetss: string | null;
  /** ISO time of the start of the latest beat's minute, or null when none was found. */
  readonly heartbeat: string | null;
  readonly health: Health;
  /** The reason given for the current state (`state set --note`), or null. */
  readonly note: string | null;
  /** Present only while a silence (`nodegrid silence`) covers the node: the monitor sends no chat about it. */
  readonly silenced?: SilencedBy | undefined;
}

export interface SilencedBy {
  readonly id: string;
  /** ISO time the silence ends. */
  readonly until: string;
  readonly by: string;
  readonly note: string | null;
}

/** One state a node went through. */
export interface StateStep {
  readonly state: string;
  readonly tss: string;
  /** The commit that first carried it, and when; null when known only from a statelog. */
  readonly commit: string | null;
  readonly committedAt: string | null;
  /** The reason given for this change, when the document that carried it says (null otherwise). */
  readonly note: string | null;
}

export interface NodeHistory {
  readonly id: string;
  readonly states: readonly StateStep[];
  /** Versions of the document in git history (0 without history). */
  readonly versions: number;
  readonly limits: readonly string[];
}

/** A node as of a past minute: its state then (committed at or before the time; null when unknown). */
export interface NodeAt extends Omit<NodeSummary, 'heartbeat' | 'health' | 'note'> {
  /** Whether it beat in that flattime minute. */
  readonly beat: boolean;
}

/** The grid at a past minute: `at --json` and the dashboard's /api/at. */
export interface GridAt {
  readonly time: string;
  readonly minute: string;
  /** The last commit at or before the time, or null. */
  readonly commit: string | null;
  readonly nodes: readonly NodeAt[];
  readonly limits: readonly string[];
}
