import type { PresenceConfig } from '../../config/sections/presence';
import { errorMessage } from '../../core/errors';
import type { NodeEvent } from '../../core/event';
import { GitError } from '../../git/run';
import type { DeliveryContext, DeliveryOutcome, Sink } from '../sink';
import { DamagedCloneError, describeRepairs, ensureClone, withCloneLock, type Repo } from '../../presence/git/clone';
import { setCloneAside } from '../../presence/git/clone-health';
import { isSubMinute } from '../../core/beat-cadence';
import { planRun } from '../../presence/git/plan';
import { pushWithRetry } from '../../presence/git/push';
import type { PresenceRemote } from '../../presence/git/remotes';

/** Delivers a batch: plans the commits of its leading events and pushes them with retry. */
export class PresenceGitSink implements Sink {
  private readonly label: string;

  constructor(
    private readonly config: PresenceConfig,
    private readonly remote: PresenceRemote,
    private readonly gitDir: string,
  ) {
    this.label = `presence:${remote.name}`;
  }

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const run = planRun(events, {
      branch: this.config.branch,
      heartbeatBranch: this.config.heartbeat.branch ?? this.config.branch,
      stampBeats: isSubMinute(this.config.heartbeat.everyMinutes),
    });
    if (run.events === 0) return { delivered: 0 };
    for (const field of run.refused) context.log(`${this.label}: not publishing ${field}: the value looks like a key or token`);
    const started = Date.now();
    const commandTimeoutMs = this.config.gitTimeoutSeconds * 1000;
    const repo: Repo = { gitDir: this.gitDir, remote: this.remote, deadline: context.deadline, commandTimeoutMs, signal: context.signal };
    const id = events[0]!.node.id;
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
        context.log(`${this.label}: ${what} on ${run.branch} at ${this.remote.shownUrl} (${run.events} event${run.events === 1 ? '' : 's'}, attempt ${outcome.attempts}, ${took} ms)`);
        return { delivered: run.events };
      }
      // A lost race is contention, not an outage: a flush with time left tries again after a jittered pause.
      return { delivered: 0, failure: { message: outcome.failure.message, permanent: outcome.failure.kind === 'refused', retryAfterMs: outcome.failure.retrySoonMs } };
    } catch (error) {
      const timedOut = error instanceof GitError && error.timedOut;
      const why = timedOut ? `${errorMessage(error)} (the delivery time budget ran out)` : errorMessage(error);
      return { delivered: 0, failure: { message: `presence ${this.remote.shownUrl} (${run.branch}): ${why}` } };
    }
  }
}
