import { sleep } from '../../node/lock';
import { buildCommits, type Author } from './build';
import { fetchBranch, runGitIn, type Repo } from './clone';
import { classifyPush, RemoteError, type RemoteFailure } from './failures';
import type { PlannedRun } from './plan';

/**
 * Commit, push; when someone else pushed first, fetch the new tip, rebuild our
 * commits on it and push again, with randomised exponential backoff, until it
 * lands or the budget runs out. This replaces the original's
 * "git pull; git push; git pull; git push", which made merge commits and lost
 * updates when many nodes wrote at once.
 */
export interface PushOptions {
  /** Epoch ms after which no new attempt starts (push budget and delivery deadline). */
  readonly budgetEnd: number;
  readonly author: Author;
  readonly log: (line: string) => void;
  /** Label for log lines: "presence:origin". */
  readonly label: string;
  readonly random?: (() => number) | undefined;
}

export type PushOutcome =
  | { readonly ok: true; readonly commits: number; readonly attempts: number; readonly head: string | undefined }
  | { readonly ok: false; readonly failure: RemoteFailure; readonly attempts: number };

// Wide enough that twenty nodes retrying together spread out instead of colliding again.
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 4000;

export async function pushWithRetry(repo: Repo, run: PlannedRun, options: PushOptions): Promise<PushOutcome> {
  const random = options.random ?? Math.random;
  const blobs = new Map<string, string>();
  for (let attempt = 1; ; attempt++) {
    let lost: RemoteFailure;
    try {
      const tip = await fetchBranch(repo, run.branch);
      const built = await buildCommits(repo, tip, run, { author: options.author, blobs, checkRedelivery: attempt === 1 });
      if (built.head === undefined) return { ok: true, commits: 0, attempts: attempt, head: tip?.commit };
      const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', '--', repo.remote.url, `${built.head}:refs/heads/${run.branch}`]);
      const status = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, run.branch);
      if (status.kind === 'ok') return { ok: true, commits: built.made, attempts: attempt, head: built.head };
      if (status.kind !== 'stale') return { ok: false, failure: status, attempts: attempt };
      lost = status;
    } catch (error) {
      if (error instanceof RemoteError) return { ok: false, failure: error.failure, attempts: attempt };
      throw error;
    }
    // Full jitter: nodes that collided once should not collide again in step.
    const delay = Math.round(random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1)));
    if (Date.now() + delay >= options.budgetEnd) {
      return {
        ok: false,
        attempts: attempt,
        failure: { kind: 'transient', message: `${lost.message}; still losing the race after ${attempt} attempts, left queued for a later delivery` },
      };
    }
    options.log(`${options.label}: push rejected because the branch moved (${lost.message.replace(/^.*rejected: /, '')}); retry ${attempt + 1} in ${delay} ms`);
    await sleep(delay);
  }
}
