import { ObjectReader } from '../../git/object-reader';
import { formatCommit, makeObject, writeLooseObject } from '../../git/objects';
import { writeRef } from '../../git/refs';
import { lastWords } from '../../git/run';
import { TreeCache } from '../../git/tree-cache';
import { setFiles } from '../../git/tree-edit';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';
import { DamagedCloneError, fetchBranch, runGitIn, trackingRef, type Repo } from './clone';
import { looksLikeDamagedClone } from './clone-health';
import { classifyPush, RemoteError, type RemoteFailure } from './failures';
import { readTip, safeSignature, type Author } from './tip';

/**
 * One commit of a few files straight onto the branch, for writers that are
 * not a node publishing its own document: a request to a node, its outcome,
 * a silence. Such files have one writer each (see presence/requests.ts), so
 * a lost race only means fetching the new tip and committing again on it,
 * with jittered backoff, until it lands or the budget ends. Nothing is
 * staged: these writes are rare, and the fold of staged changes (fold.ts)
 * only carries a node's own document and beats.
 */
export interface DirectFile {
  readonly path: string;
  readonly content: string;
}

/**
 * A file to remove (`presence forget`), only while it still holds `expected`:
 * a node that published again since it was judged is not removed behind the
 * back of whoever judged it. A file already gone is no error.
 */
export interface DirectRemoval {
  readonly path: string;
  readonly expected?: string | undefined;
}

/** A removal refused because the file changed since it was read; nothing was written. */
export class ChangedSinceReadError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed since it was read; nothing was removed`);
    this.name = 'ChangedSinceReadError';
  }
}

export interface DirectWriteOptions {
  readonly branch: string;
  readonly message: string;
  readonly author: Author;
  /** Epoch ms after which no new attempt starts. */
  readonly budgetEnd: number;
  readonly log: (line: string) => void;
  readonly random?: (() => number) | undefined;
  /** Files removed in the same commit. */
  readonly remove?: readonly DirectRemoval[] | undefined;
}

export type DirectWriteOutcome = { readonly ok: true; readonly commit: string | undefined; readonly attempts: number } | { readonly ok: false; readonly failure: RemoteFailure; readonly attempts: number };

const RACE_BACKOFF = { baseMs: 100, maxMs: 2000, jitter: 'full' } as const;

export async function commitFilesToBranch(repo: Repo, files: readonly DirectFile[], options: DirectWriteOptions): Promise<DirectWriteOutcome> {
  const reader = new ObjectReader(repo.gitDir);
  try {
    for (let attempt = 1; ; attempt++) {
      let lost: RemoteFailure;
      try {
        const tipSha = await fetchBranch(repo, options.branch, { incremental: true });
        const tip = tipSha === undefined ? undefined : await readTip(reader, tipSha);
        if (tipSha !== undefined && tip === undefined) throw new DamagedCloneError(repo.gitDir, `the fetched tip ${tipSha} cannot be read`);
        const trees = new TreeCache(reader);
        const removals = options.remove ?? [];
        for (const removal of removals) {
          const there = await trees.blobAt(tip?.tree, removal.path);
          if (there !== undefined && removal.expected !== undefined && there !== makeObject('blob', removal.expected).sha) throw new ChangedSinceReadError(removal.path);
        }
        const blobs = files.map((file) => makeObject('blob', file.content));
        const tree = await setFiles(trees, tip?.tree, files.map((file, i) => ({ path: file.path, blob: blobs[i]!.sha })), removals.map((removal) => removal.path));
        // Already there, byte for byte (a retry after a push that landed): nothing to commit.
        if (tip?.tree === tree.sha) return { ok: true, commit: undefined, attempts: attempt };
        const commit = makeObject('commit', formatCommit({ tree: tree.sha, parent: tip?.commit, author: safeSignature(options.author), time: Date.now() / 1000, message: options.message }));
        for (const object of [...blobs, ...tree.objects, commit]) writeLooseObject(repo.gitDir, object);
        const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', '--', repo.remote.url, `${commit.sha}:refs/heads/${options.branch}`]);
        if (result.code !== 0 && looksLikeDamagedClone(result.stderr)) throw new DamagedCloneError(repo.gitDir, lastWords(result.stderr));
        const status = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, options.branch);
        if (status.kind === 'ok') {
          writeRef(repo.gitDir, trackingRef(options.branch), commit.sha);
          return { ok: true, commit: commit.sha, attempts: attempt };
        }
        if (status.kind !== 'stale') return { ok: false, failure: status, attempts: attempt };
        lost = status;
      } catch (error) {
        if (error instanceof RemoteError) return { ok: false, failure: error.failure, attempts: attempt };
        throw error;
      }
      const delay = backoffDelayMs(attempt, RACE_BACKOFF, options.random ?? Math.random);
      if (Date.now() + delay >= options.budgetEnd) return { ok: false, attempts: attempt, failure: { ...lost, message: `${lost.message}; still losing the race after ${attempt} attempts` } };
      options.log(`push rejected because the branch moved; retry ${attempt + 1} in ${delay} ms`);
      await sleep(delay);
    }
  } finally {
    reader.close();
  }
}
