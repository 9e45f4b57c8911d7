import { ObjectReader } from '../../git/object-reader';
import { writeRef } from '../../git/refs';
import { lastWords } from '../../git/run';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';
import { buildCommits, readTip, type Author, type Tip } from './build';
import { looksLikeDamagedClone } from './clone-health';
import { DamagedCloneError, fetchBranch, runGitIn, trackingRef, type Repo } from './clone';
import { classifyPush, RemoteError, type RemoteFailure } from './failures';
import type { PlannedRun } from './plan';

/**
 * Fetch the tip, build our commits on it, push; when someone else pushed
 * first, fetch the new tip, rebuild on it and push again, with randomised
 * exponential backoff, until it lands or the budget runs out. This replaces
 * the original's "git pull; git push; git pull; git push", which made merge
 * commits and lost updates when many nodes wrote at once.
 *
 * An attempt is two git processes (fetch, push) plus one cat-file for the
 * whole delivery: everything between them is computed in-process, so the
 * window in which another node can move the branch under us stays short.
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

// Full jitter, wide enough that twenty nodes retrying together spread out instead of colliding again.
const RACE_BACKOFF = { baseMs: 50, maxMs: 2000, jitter: 'full' } as const;

export async function pushWithRetry(repo: Repo, run: PlannedRun, options: PushOptions): Promise<PushOutcome> {
  const random = options.random ?? Math.random;
  const reader = new ObjectReader(repo.gitDir);
  const named = new Set<string>();
  try {
    for (let attempt = 1; ; attempt++) {
      let lost: RemoteFailure;
      try {
        const tipSha = await fetchBranch(repo, run.branch);
        const tip = tipSha === undefined ? undefined : await tipOf(reader, repo, tipSha);
        const built = await buildCommits(repo.gitDir, reader, tip, run, { author: options.author, checkRedelivery: true });
        for (const note of built.replaced) {
          if (!named.has(note)) options.log(`${options.label}: ${note} at ${tip?.commit.slice(0, 12) ?? 'the first commit'}: the tip held something else at this node's own path`);
          named.add(note);
        }
        if (built.head === undefined) return { ok: true, commits: 0, attempts: attempt, head: tip?.commit };
        const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', '--', repo.remote.url, `${built.head}:refs/heads/${run.branch}`]);
        if (result.code !== 0 && looksLikeDamagedClone(result.stderr)) throw new DamagedCloneError(repo.gitDir, lastWords(result.stderr));
        const status = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, run.branch);
        if (status.kind === 'ok') {
          // The next delivery's redelivery check and `presence show` start from what we know is there.
          writeRef(repo.gitDir, trackingRef(run.branch), built.head);
          return { ok: true, commits: built.made, attempts: attempt, head: built.head };
        }
        if (status.kind !== 'stale') return { ok: false, failure: status, attempts: attempt };
        lost = status;
      } catch (error) {
        if (error instanceof RemoteError) return { ok: false, failure: error.failure, attempts: attempt };
        throw error;
      }
      const delay = backoffDelayMs(attempt, RACE_BACKOFF, random);
      if (Date.now() + delay >= options.budgetEnd) {
        return {
          ok: false,
          attempts: attempt,
          failure: { kind: 'transient', message: `${lost.message}; still losing the race after ${attempt} attempts, left queued for a later delivery`, retrySoonMs: backoffDelayMs(Infinity, RACE_BACKOFF, random) },
        };
      }
      options.log(`${options.label}: push rejected because the branch moved (${lost.message.replace(/^.*rejected: /, '')}); retry ${attempt + 1} in ${delay} ms`);
      await sleep(delay);
    }
  } finally {
    reader.close();
  }
}

async function tipOf(reader: ObjectReader, repo: Repo, sha: string): Promise<Tip> {
  const tip = await readTip(reader, sha);
  if (!tip) throw new DamagedCloneError(repo.gitDir, `the fetched tip ${sha} cannot be read`);
  return tip;
}
