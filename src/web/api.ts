/**
 * The dashboard's JSON shapes, shared by the server and the page (which is
 * type-checked on its own, with DOM types, and imports only types from here).
 * Node fields carry the same names as `nodegrid nodes --json`.
 */
import type { GridAt, NodeAt, NodeHistory, NodeSummary, StateStep } from '../core/grid-view';
import type { Health } from '../core/health';
import type { Color } from '../core/lifecycle';

export type { Color, Health };

export interface ApiNode extends NodeSummary {
  readonly initgitrepo: string | null;
  readonly fields?: Readonly<Record<string, string>>;
  /** The node's labels, as `nodes --json` shows them; only when it has some. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The `hostname` field, as `nodes -o wide` shows it; only when the node publishes one. */
  readonly hostname?: string;
  /** The address a probe would use (privateIp, else a hostname that is a plain DNS name), as `nodes -o wide` shows it. */
  readonly address?: string;
}

export type GridEventKind = 'state' | 'health' | 'appeared' | 'removed';

/** One line of the event feed: "i-1:fed1/db1: running -> wedged". */
export interface GridEvent {
  /** Increases by one per event the server records; the page keys rows by it. */
  readonly seq: number;
  /** ISO time: statetss for a state change, else when the server noticed. */
  readonly at: string;
  readonly kind: GridEventKind;
  readonly id: string;
  readonly deployment: string | null;
  readonly nodepart: string | null;
  readonly from: string | null;
  readonly to: string | null;
}

export interface SkippedDocument {
  readonly file: string;
  readonly message: string;
}

/** What every refresh shares, in /api/nodes and each live update. */
export interface RefreshInfo {
  /** Bumped by every refresh that changed something. */
  readonly version: number;
  /** The time health was evaluated at. */
  readonly now: string;
  readonly refreshedAt: string;
  readonly counts: Readonly<Record<Health, number>>;
  readonly problems: readonly SkippedDocument[];
  /** Why the last refresh failed (the data is then older than refreshedAt suggests), or null. */
  readonly refreshError: string | null;
}

export interface NodesResponse extends RefreshInfo {
  readonly source: string;
  readonly refreshSeconds: number;
  readonly stateColors: Readonly<Record<string, Color>>;
  readonly nodes: readonly ApiNode[];
}

/** The `update` Server-Sent Event, sent after every refresh (changes may be empty). */
export interface UpdateMessage extends RefreshInfo {
  readonly changed: readonly ApiNode[];
  readonly removed: readonly string[];
  readonly events: readonly GridEvent[];
}

/** The `hello` event on connecting: a page whose version differs re-reads /api/nodes once. */
export interface HelloMessage {
  readonly version: number;
  readonly refreshSeconds: number;
}

/** A node's history, as `history --json` prints it. */
export type HistoryStep = StateStep;
export type HistoryResponse = NodeHistory;

export interface EventsResponse {
  readonly events: readonly GridEvent[];
}

/** A node's beats in the last BEAT_STRIP_MINUTES minutes (/api/nodes/<id>/beats). */
export interface BeatsResponse {
  readonly id: string;
  /** ISO start of the newest minute of the strip (the server's now). */
  readonly until: string;
  readonly minutes: number;
  /** ISO starts of the minutes the node beat in, oldest first. */
  readonly beats: readonly string[];
}

/** One node as of a past minute (/api/at), as `at --json` prints it. */
export type AtNode = NodeAt;
/** The grid at a past minute (/api/at?time=…), the answer of `nodegrid at --json`. */
export type AtResponse = GridAt;
