import path from 'node:path';
import type { PresenceConfig } from '../../config/sections/presence';
import { NodegridError } from '../../core/errors';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';
import type { Author } from './tip';
import { ensureClone, gitIn, runGitIn, trackingRef, withCloneLock, type Repo } from './clone';
import { findStateChange, readFirstParentLine } from './compact-history';
import { planCompaction, type CompactionPlan, type HistoryCommit } from './compact-plan';
import { dropWorkRef, rewriteHistory } from './compact-rewrite';
import { classifyGitFailure, classifyPush, type RemoteFailure } from './failures';
import type { PresenceRemote } from './remotes';

/**
 * `nodegrid presence compact`: rewrites the heartbeat branch's history older
 * than a cutoff into one commit per UTC day, while nodes keep pushing beats.
 *
 * The rewrite happens in a full clone of its own and is pushed with
 * --force-with-lease on the tip it was built from: a beat pushed meanwhile
 * makes the push fail instead of being overwritten, and the whole rewrite is
 * redone on the new tip (cheaply: the commits written before are reused).
 * Writers fetch with a forced refspec and rebuild their commits on whatever
 * tip they find, so a rewritten branch only costs them one lost race.
 */
export interface CompactOptions {
  readonly olderThanMs: number;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly author: Author;
  readonly log: (line: string) => void;
  /** How long to wait for another compaction of the same remote on this machine. */
  readonly lockTimeoutMs: number;
  /** Rewrites to try before giving up with E_BUSY. */
  readonly attempts?: number | undefined;
  readonly random?: (() => number) | undefined;
}

export interface CompactOutcome {
  readonly remote: string;
  readonly branch: string;
  readonly cutoff: Date;
  /** Undefined when the remote has no heartbeat branch yet. */
  readonly plan: CompactionPlan | undefined;
  readonly oldTip: string | undefined;
  /** The pushed tip; undefined for a dry run or when there was nothing to compact. */
  readonly newTip: string | undefined;
  readonly attempts: number;
}

const DEFAULT_ATTEMPTS = 5;
// Long enough for a node's fetch-build-push to finish, short enough for a person waiting.
const REWRITE_BACKOFF = { baseMs: 1000, maxMs: 4000, jitter: 'equal' } as const;
// A full history's fetch, rewrite and push take longer than a node's one-commit push.
const MIN_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** Compaction's own full clone: $NODEGRID_HOME/compact/presence-<name>.git (the sink's clone is shallow). */
export function compactDirFor(homeDir: string, remoteName: string): string {
  return path.join(homeDir, 'compact', `presence-${remoteName}.git`);
}

/**
 * The branch compaction may rewrite. Refused when it is presence.branch: that
 * history is every node's state changes (`nodegrid history`, `at` read it).
 */
export function heartbeatBranchToCompact(config: PresenceConfig): string {
  const branch = config.heartbeat.branch;
  if (branch === undefined || branch === config.branch) {
    const why = branch === undefined
      ? `presence.heartbeat.branch is not set, so heartbeats share presence.branch (${config.branch}) with the state changes`
      : `presence.heartbeat.branch (${branch}) is the same branch as presence.branch`;
    throw new NodegridError('E_BAD_INPUT', `${why}: compacting it would rewrite the state-change history, so it is refused`, {
      hint: 'give heartbeats a branch of their own (presence.heartbeat.branch: heartbeats) on every node; only that branch is ever compacted',
    });
  }
  return branch;
}

export async function compactHeartbeats(config: PresenceConfig, remote: PresenceRemote, homeDir: string, options: CompactOptions): Promise<CompactOutcome> {
  const branch = heartbeatBranchToCompact(config);
  const gitDir = compactDirFor(homeDir, remote.name);
  const commandTimeoutMs = Math.max(config.gitTimeoutSeconds * 1000, MIN_COMMAND_TIMEOUT_MS);
  const repo: Repo = { gitDir, remote, deadline: Number.MAX_SAFE_INTEGER, commandTimeoutMs };
  const cutoff = new Date(options.now.getTime() - options.olderThanMs);
  const maxAttempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const random = options.random ?? Math.random;
  const outcome = (attempts: number, plan: CompactionPlan | undefined, oldTip?: string, newTip?: string): CompactOutcome => ({
    remote: remote.shownUrl, branch, cutoff, plan, oldTip, newTip, attempts,
  });

  return withCloneLock(gitDir, options.lockTimeoutMs, async () => {
    await ensureClone(gitDir, commandTimeoutMs);
    const known = new Map<string, HistoryCommit>();
    const written = new Map<string, string>();
    const checked = new Set<string>();
    try {
      for (let attempt = 1; ; attempt++) {
        const oldTip = await fetchWholeBranch(repo, branch);
        if (oldTip === undefined) return outcome(attempt, undefined);
        const history = await readFirstParentLine(repo, oldTip, known);
        const plan = planCompaction(history, cutoff);
        if (!plan.changes || options.dryRun) return outcome(attempt, plan, oldTip);
        await refuseStateHistory(repo, plan, branch, checked);
        const { tip: newTip, wrote } = await rewriteHistory(repo, plan, { author: options.author, written });
        await assertSameBeats(repo, oldTip, newTip, plan.after);
        options.log(`presence compact: wrote ${wrote} commit${wrote === 1 ? '' : 's'}; pushing ${newTip.slice(0, 12)} over ${oldTip.slice(0, 12)} (attempt ${attempt})`);
        const pushed = await pushWithLease(repo, branch, oldTip, newTip);
        if (pushed === 'ok') {
          await afterPush(repo, branch, newTip);
          return outcome(attempt, plan, oldTip, newTip);
        }
        if (attempt >= maxAttempts) {
          throw new NodegridError('E_BUSY', `${pushed.message}; the heartbeat branch kept moving through ${attempt} attempts, nothing was changed`, {
            hint: 'run it again later; nodes keep beating meanwhile and lose nothing',
          });
        }
        const delay = backoffDelayMs(attempt, REWRITE_BACKOFF, random);
        options.log(`presence compact: a node pushed to ${branch} meanwhile (${pushed.message.replace(/^.*rejected: /, '')}); rewriting again on the new tip in ${delay} ms`);
        await sleep(delay);
      }
    } finally {
      await dropWorkRef(repo);
    }
  });
}

/** The remote's tip of `branch` with all its history, or undefined when it has no such branch. */
async function fetchWholeBranch(repo: Repo, branch: string): Promise<string | undefined> {
  const ref = trackingRef(branch);
  const result = await runGitIn(repo, ['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--', repo.remote.url, `+refs/heads/${branch}:${ref}`]);
  if (result.code !== 0) {
    if (/couldn't find remote ref/i.test(result.stderr)) return undefined;
    throw remoteError(classifyGitFailure('fetch from', repo.remote.shownUrl, result.stderr));
  }
  return (await gitIn(repo, ['rev-parse', `${ref}^{commit}`])).trim();
}

/** Squashing a commit that changed a node's current document would erase a state change. */
async function refuseStateHistory(repo: Repo, plan: CompactionPlan, branch: string, checked: Set<string>): Promise<void> {
  let parent: string | undefined;
  for (const unit of plan.units) {
    const last = unit.commits.at(-1)!;
    if (unit.commits.length > 1 && !checked.has(`${parent} ${last.sha}`)) {
      const change = await findStateChange(repo, unit, parent);
      if (change) {
        throw new NodegridError('E_BAD_INPUT', `the heartbeat branch ${branch} also holds state changes: commit ${change.sha.slice(0, 12)} (${unit.day}) changes ${change.file}; compacting would erase it from history, so nothing was changed`, {
          hint: 'point presence.heartbeat.branch at a branch only heartbeats are written to',
        });
      }
      checked.add(`${parent} ${last.sha}`);
    }
    parent = last.sha;
  }
}

/** The new history must end in the very tree the old one did, with the planned number of commits. */
async function assertSameBeats(repo: Repo, oldTip: string, newTip: string, commits: number): Promise<void> {
  const [oldTree, newTree] = (await gitIn(repo, ['rev-parse', `${oldTip}^{tree}`, `${newTip}^{tree}`])).trim().split('\n');
  const count = Number((await gitIn(repo, ['rev-list', '--first-parent', '--count', newTip])).trim());
  if (oldTree !== newTree || count !== commits) {
    throw new NodegridError('E_UNEXPECTED', `refusing to push the compacted history: it ends in tree ${newTree} with ${count} commits, not tree ${oldTree} with ${commits}; nothing was changed`, {
      hint: 'please report this with the output of: git log --first-parent --format="%H %T %ct" on the heartbeat branch',
    });
  }
}

/**
 * Past the last unchanged day the new commits share no history with the old, so
 * git sends the trees of every commit kept again (the server has them, but the
 * client cannot tell cheaply): a run costs the --older-than window, and the
 * first run the whole branch once.
 */
async function pushWithLease(repo: Repo, branch: string, oldTip: string, newTip: string): Promise<'ok' | RemoteFailure> {
  const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', `--force-with-lease=refs/heads/${branch}:${oldTip}`, '--', repo.remote.url, `${newTip}:refs/heads/${branch}`]);
  const status = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, branch);
  if (status.kind === 'ok') return 'ok';
  // The server forbidding history rewrites (receive.denyNonFastForwards, a protected
  // branch) is no race: retrying would only fail the same way.
  if (status.kind === 'stale' && !status.message.includes('[remote rejected] (non-fast-forward)')) return status;
  throw remoteError(status.kind === 'stale' ? { kind: 'refused', message: `${status.message}: the server does not allow rewriting ${branch}` } : status);
}

/** The clone now follows the new history; the old one's objects go, so the clone does not double each run. */
async function afterPush(repo: Repo, branch: string, newTip: string): Promise<void> {
  await gitIn(repo, ['update-ref', trackingRef(branch), newTip]);
  await dropWorkRef(repo);
  await runGitIn(repo, ['gc', '--prune=now', '--quiet']);
}

function remoteError(failure: RemoteFailure): NodegridError {
  const hint = failure.kind === 'refused'
    ? 'compaction force-pushes the heartbeat branch (with a lease): allow force pushes to it for this account, and check the URL and credentials'
    : 'check presence.remote and the network, then run it again';
  return new NodegridError('E_UNEXPECTED', failure.message, { hint });
}
