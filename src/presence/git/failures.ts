import { lastWords } from '../../git/run';

/**
 * What a git failure means for delivery. Decided from git's porcelain status
 * and its (untranslated, LC_ALL=C) messages; pure, so each case is testable.
 *
 *   stale     someone else pushed first: fetch, rebuild on the new tip, push again
 *   refused   the server said no (hook, permission, no such repository): retrying
 *             now will not help, so the outbox counts it as a refusal
 *   transient the network or the server is down: the outbox retries later
 */
export type FailureKind = 'stale' | 'refused' | 'transient';

export interface RemoteFailure {
  readonly kind: FailureKind;
  /** Names the remote (redacted) and git's reason. */
  readonly message: string;
  /** Lost the race to other writers until the budget ran out: worth trying again soon, in the same run if it has time. */
  readonly retrySoonMs?: number | undefined;
}

export class RemoteError extends Error {
  constructor(readonly failure: RemoteFailure) {
    super(failure.message);
    this.name = 'RemoteError';
  }
}

const REFUSED = [
  /permission denied/i,
  /authentication failed/i,
  /returned error: (401|403|404)/i,
  /repository not found/i,
  /does not appear to be a git repository/i,
  /not found in upstream|no such repository|access denied|not authorized|unauthorized/i,
  /could not read (username|password)/i,
  /host key verification failed/i,
];

/** A fetch or push that did not even get a per-ref status: classify by its stderr. */
export function classifyGitFailure(action: string, shownUrl: string, stderr: string): RemoteFailure {
  const reason = lastWords(stderr) || 'git gave no reason';
  const kind: FailureKind = REFUSED.some((pattern) => pattern.test(stderr)) ? 'refused' : 'transient';
  const advice = kind === 'refused' ? ' (check the URL and this node\'s credentials for it)' : '';
  return { kind, message: `${action} ${shownUrl} failed: ${reason}${advice}` };
}

/** Server-side races on the ref: another push updated it between our check and our write. */
const LOST_RACE = /failed to update ref|cannot lock ref|failed to lock|incorrect old value|stale info|reference already exists|fetch first|non-fast-forward/i;

export type PushStatus = { kind: 'ok'; upToDate: boolean } | RemoteFailure;

/**
 * Reads `git push --porcelain` for one ref (the branch unless named): "*" new branch, " " fast-forward,
 * "=" up to date, "!" rejected with "[rejected] (fetch first)" or
 * "[remote rejected] (pre-receive hook declined)".
 */
export function classifyPush(code: number, stdout: string, stderr: string, shownUrl: string, branch: string, ref = `refs/heads/${branch}`): PushStatus {
  const line = stdout.split('\n').find((text) => /^[ +\-*!=]\t/.test(text) && text.split('\t')[1]?.endsWith(`:${ref}`));
  if (line === undefined) {
    if (code === 0) return { kind: 'ok', upToDate: false };
    return classifyGitFailure('push to', shownUrl, stderr);
  }
  const flag = line[0];
  const summary = line.split('\t')[2]?.trim() ?? '';
  if (flag !== '!') return { kind: 'ok', upToDate: flag === '=' };
  if (LOST_RACE.test(summary) && !/hook declined/i.test(summary)) {
    return { kind: 'stale', message: `push to ${shownUrl} (${branch}) rejected: ${summary}` };
  }
  const remoteLines = stderr
    .split('\n')
    .filter((text) => text.startsWith('remote:'))
    .map((text) => text.slice('remote:'.length).trim())
    .filter((text) => text !== '')
    .slice(-5)
    .join(' / ')
    .slice(0, 400);
  const kind: FailureKind = summary.startsWith("[remote failure]") ? 'transient' : 'refused';
  return {
    kind,
    message: `the server refused the push to ${shownUrl} (branch ${branch}): ${summary}${remoteLines ? `; the server said: ${remoteLines}` : ''}`,
  };
}
