import type { PresenceConfig } from '../../config/sections/presence';
import { errorMessage } from '../../core/errors';
import { GitError } from '../../git/run';
import type { PresenceChange } from '../change';
import type { PresenceWriter, WriteContext, WriteOutcome } from '../store';
import { DamagedCloneError, describeRepairs, ensureClone, withCloneLock, type Repo } from './clone';
import { setCloneAside } from './clone-health';
import { planRun } from './plan';
import { pushWithRetry } from './push';
import type { PresenceRemote } from './remotes';

/**
 * Writes changes to a git remote: plans the commits of the leading changes
 * that go to one branch and pushes them with retry, in the node's own clone
 * (made on first use, repaired or set aside and made again when git cannot
 * read it).
 */
export class GitPresenceWriter implements PresenceWriter {
  constructor(
    private readonly config: PresenceConfig,
    private readonly remote: PresenceRemote,
    private readonly gitDir: string,
    /** For log lines: "presence:origin". */
    private readonly label: string,
  ) {}

  async write(changes: readonly PresenceChange[], context: WriteContext): Promise<WriteOutcome> {
    const run = planRun(changes, { branch: this.config.branch, heartbeatBranch: this.config.heartbeat.branch ?? this.config.branch });
    if (run.changes === 0) return { written: 0 };
    const started = Date.now();
    const commandTimeoutMs = this.config.gitTimeoutSeconds * 1000;
    const repo: Repo = { gitDir: this.gitDir, remote: this.remote, deadline: context.deadline, commandTimeoutMs, signal: context.signal };
    const id = changes[0]!.id;
    try {
      const outcome = await withCloneLock(this.gitDir, Math.max(0, context.deadline - Date.now()), async (repairs) => {
        const repaired = describeRepairs(this.gitDir, repairs);
        if (repaired) context.log(`${this.label}: ${repaired}`);
        const push = (): ReturnType<typeof pushWithRetry> =>
          pushWithRetry(repo, run, {
            id,
            budgetEnd: Math.min(started + this.config.pushBudgetSeconds * 1000, context.deadline),
            author: this.config.author ?? { name: 'nodegrid', email: `nodegrid@${id}` },
            log: context.log,
            label: this.label,
          });
        if (await ensureClone(this.gitDir, commandTimeoutMs)) context.log(`${this.label}: created the presence clone ${this.gitDir}`);
        try {
          return await push();
        } catch (error) {
          if (!(error instanceof DamagedCloneError)) throw error;
          // A clone git cannot read never stays broken: set it aside, make a new one, try again.
          const aside = setCloneAside(this.gitDir);
          context.log(`${this.label}: ${error.message}; moved it to ${aside} and made a new clone`);
          await ensureClone(this.gitDir, commandTimeoutMs);
          return push();
        }
      });
      const took = Date.now() - started;
      if (outcome.ok) {
        const what = outcome.commits === 0 ? 'already up to date' : `pushed ${outcome.commits} commit${outcome.commits === 1 ? '' : 's'}${outcome.carriedOthers > 0 ? ` with ${outcome.carriedOthers} other node${outcome.carriedOthers === 1 ? "'s" : "s'"} staged changes` : ''}`;
        context.log(`${this.label}: ${what} on ${run.branch} at ${this.remote.shownUrl} (${run.changes} event${run.changes === 1 ? '' : 's'}, attempt ${outcome.attempts}, ${took} ms)`);
        return { written: run.changes };
      }
      // A lost race is contention, not an outage: a flush with time left tries again after a jittered pause.
      return { written: 0, failure: { message: outcome.failure.message, permanent: outcome.failure.kind === 'refused', retryAfterMs: outcome.failure.retrySoonMs } };
    } catch (error) {
      const timedOut = error instanceof GitError && error.timedOut;
      const why = timedOut ? `${errorMessage(error)} (the delivery time budget ran out)` : errorMessage(error);
      return { written: 0, failure: { message: `presence ${this.remote.shownUrl} (${run.branch}): ${why}` } };
    }
  }
}
