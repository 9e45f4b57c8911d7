import type { PresenceConfig } from '../../config/sections/presence';
import { NodegridError } from '../../core/errors';
import { ensureClone, fetchBranch, trackingRef, withCloneLock, type Repo } from './clone';
import { GitError } from '../../git/run';
import { RemoteError } from './failures';
import { cloneDirFor, type PresenceRemote } from './remotes';
import { emptySource, gitSource, type PresenceSource } from '../source';
import type { PresenceView } from '../store';
import { remoteTimedOut } from './unreachable';

/**
 * The node's own view of a git remote, for `presence show`: the delivery
 * clone brought up to date with the remote's branches, under the same clone
 * lock, so it costs a shallow fetch and no second copy.
 */
export interface NodeCloneView extends PresenceView {
  readonly branch: string;
  /** The branch's tip on the remote, or undefined when no node has published there yet. */
  readonly tip: string | undefined;
}

export async function openNodeClone(config: PresenceConfig, remote: PresenceRemote, homeDir: string, budgetMs: number): Promise<NodeCloneView> {
  const gitDir = cloneDirFor(homeDir, remote.name);
  const deadline = Date.now() + budgetMs;
  const repo: Repo = { gitDir, remote, deadline, commandTimeoutMs: config.gitTimeoutSeconds * 1000 };
  const sourceOf = (branch: string, tip: string | undefined): PresenceSource =>
    tip === undefined ? emptySource(`${remote.shownUrl} (${branch})`) : gitSource(gitDir, trackingRef(branch), { secrets: remote.secrets });
  try {
    return await withCloneLock(gitDir, budgetMs, async () => {
      await ensureClone(gitDir, config.gitTimeoutSeconds * 1000);
      const branch = config.branch;
      const tip = await fetchBranch(repo, branch);
      const current = sourceOf(branch, tip);
      const heartbeatBranch = config.heartbeat.branch ?? branch;
      const heartbeats = heartbeatBranch === branch ? current : sourceOf(heartbeatBranch, await fetchBranch(repo, heartbeatBranch));
      const description = `${remote.shownUrl} (${branch}${tip ? ` @ ${tip.slice(0, 12)}` : ', no such branch yet'})`;
      return { description, current, heartbeats, branch, tip };
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
