import type { PresenceConfig } from '../../config/sections/presence';
import { NodegridError } from '../../core/errors';
import { ensureClone, fetchBranch, trackingRef, withCloneLock, type Repo } from './clone';
import { GitError } from '../../git/run';
import { RemoteError } from './failures';
import { cloneDirFor, type PresenceRemote } from './remotes';
import { remoteTimedOut } from './unreachable';

/**
 * Brings the sink's clone up to date with the remote's branches, for readers on
 * the node (`presence show`). Uses the same clone as delivery, under the same
 * clone lock, so it costs a shallow fetch and no second copy.
 */
export interface FetchedBranch {
  readonly branch: string;
  /** The tracking ref to read with gridSource(), or undefined when the remote has no such branch. */
  readonly ref: string | undefined;
  readonly tip: string | undefined;
}

export interface FetchedPresence {
  readonly gitDir: string;
  readonly remote: PresenceRemote;
  readonly main: FetchedBranch;
  readonly heartbeat: FetchedBranch;
}

export async function fetchPresence(config: PresenceConfig, remote: PresenceRemote, homeDir: string, budgetMs: number): Promise<FetchedPresence> {
  const gitDir = cloneDirFor(homeDir, remote.name);
  const deadline = Date.now() + budgetMs;
  const repo: Repo = { gitDir, remote, deadline, commandTimeoutMs: config.gitTimeoutSeconds * 1000 };
  try {
    return await withCloneLock(gitDir, budgetMs, async () => {
      await ensureClone(gitDir, config.gitTimeoutSeconds * 1000);
      const fetchOne = async (branch: string): Promise<FetchedBranch> => {
        const tip = await fetchBranch(repo, branch);
        return { branch, tip, ref: tip === undefined ? undefined : trackingRef(branch) };
      };
      const main = await fetchOne(config.branch);
      const heartbeatBranch = config.heartbeat.branch ?? config.branch;
      const heartbeat = heartbeatBranch === config.branch ? main : await fetchOne(heartbeatBranch);
      return { gitDir, remote, main, heartbeat };
    });
  } catch (error) {
    // Refused, unknown host, authentication failed, hung: one exit code for scripts, the URL and git's reason for people.
    if (error instanceof RemoteError) throw new NodegridError('E_UNREACHABLE', error.message, { hint: 'check presence.remote and the network; nodegrid outbox shows what is waiting' });
    if (error instanceof GitError && error.timedOut) {
      throw remoteTimedOut(remote.shownUrl, Math.min(budgetMs, config.gitTimeoutSeconds * 1000), error.stderr, '--wait (default 30 s) and presence.gitTimeoutSeconds set');
    }
    throw error;
  }
}
