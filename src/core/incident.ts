import type { NodeIdentity } from './event';

/**
 * What a pager is told: open an incident for one node's problem, or resolve
 * it. The key is the same whoever says it (the node about its own wedged
 * state, the monitor about what it sees), so PagerDuty's dedup_key and
 * Opsgenie's alias fold the two into one incident, and a recovery resolves
 * exactly the incident its problem opened.
 */
export interface PageAction {
  readonly action: 'trigger' | 'resolve';
  /** "nodegrid/i-4e7cb59a/wedged", "nodegrid/grid/mass-silence": see incidentKey. */
  readonly key: string;
  readonly node: NodeIdentity;
  /** What is wrong: a health (`wedged`, `stale`, `zombie`, `stuck`), a critical state of the lifecycle, `mass-silence`, or `test`. */
  readonly problem: string;
  /** One line for a pager's title: "i-…:fed1/db1 wedged since 18:41 UTC: work failed …", or "… recovered: now setup". */
  readonly summary: string;
  readonly severity: PageSeverity;
  /** ISO time of what happened. */
  readonly time: string;
  /** Shown beside the summary (state, note, last beat …); already redacted. */
  readonly details: Readonly<Record<string, string>>;
  /** The dashboard's panel for this node, when grid.dashboardUrl is set. */
  readonly link?: string | undefined;
}

/** PagerDuty's payload.severity values, which the other pagers map from. */
export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

/** The longest summary a pager takes (PagerDuty's payload.summary limit). */
export const MAX_SUMMARY_CHARS = 1024;

/** One key per node and problem; a node id never holds "/" (core/ids.ts), so keys cannot collide. */
export function incidentKey(nodeId: string, problem: string): string {
  return `nodegrid/${nodeId}/${problem}`;
}

export function clipSummary(text: string): string {
  return text.length <= MAX_SUMMARY_CHARS ? text : `${text.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}
