/**
 * One line of `nodegrid doctor`: what was checked, whether it is well, and
 * when it is not, what to do. Checks never change the node, its clones or
 * its remotes; they only look.
 */
export interface CheckResult {
  /** "nodeinfo", "config", "clone presence:origin", "write presence:origin", "outbox chat:ops" … */
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a problem. */
  readonly hint?: string | undefined;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });

export const problem = (check: string, detail: string, hint?: string): CheckResult => ({ check, ok: false, detail, hint });
