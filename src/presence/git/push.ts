import { ObjectReader } from '../../git/object-reader';
import { writeLooseObject } from '../../git/objects';
import { writeRef } from '../../git/refs';
import { lastWords } from '../../git/run';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';
import { documentCarries, readTip, type Author, type Tip } from './tip';
import { looksLikeDamagedClone } from './clone-health';
import { DamagedCloneError, fetchBranch, runGitIn, trackingRef, type Repo } from './clone';
import { classifyPush, RemoteError, type RemoteFailure } from './failures';
import { TreeCache } from '../../git/tree-cache';
import { foldChanges, readChain, type StagedChange } from './fold';
import type { PlannedRun } from './plan';
import { buildStaged, CarriedTips, listSeen, rememberStagingRefused, seenRef, stagedRef, stagedRefspec, stagingRefused, type StagedCommits } from './staging';

/**
 * One delivery to the shared branch: stage the node's commits on its own ref
 * and fold every staged change the branch lacks onto the tip, in one push of
 * both refs. When someone else pushed the branch first, fetch again: usually
 * they carried our change with theirs and we are done; otherwise fold again
 * on the new tip and push, with randomised backoff, until it lands or the
 * budget runs out. This replaces the original's "git pull; git push; git
 * pull; git push", which made merge commits and lost updates when many nodes
 * wrote at once, and it keeps one node's push from waiting behind every other
 * node's (the README's "How a delivery reaches git, and why this way").
 *
 * An attempt is two git processes (fetch, push) plus one cat-file for the
 * whole delivery: everything between them is computed in-process.
 */
export interface PushOptions {
  /** The node whose run this is: its staged ref and its own chain. */
  readonly id: string;
  /** Epoch ms after which no new attempt starts (push budget and delivery deadline). */
  readonly budgetEnd: number;
  readonly author: Author;
  readonly log: (line: string) => void;
  /** Label for log lines: "presence:origin". */
  readonly label: string;
  readonly random?: (() => number) | undefined;
  readonly now?: (() => number) | undefined;
}

export type PushOutcome =
  | { readonly ok: true; readonly commits: number; readonly attempts: number; readonly head: string | undefined; readonly carriedOthers: number }
  | { readonly ok: false; readonly failure: RemoteFailure; readonly attempts: number };

// Full jitter: a loser's change is usually carried by the winner, so the next fetch comes soon.
const RACE_BACKOFF = { baseMs: 50, maxMs: 1000, jitter: 'full' } as const;

/** Other nodes' staged changes older than this are left alone: their owner folds them itself, or they were compacted. */
const FOLD_OTHERS_WITHIN_S = 3600;

export async function pushWithRetry(repo: Repo, run: PlannedRun, options: PushOptions): Promise<PushOutcome> {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const reader = new ObjectReader(repo.gitDir);
  const carried = new CarriedTips(repo.gitDir, run.branch);
  const named = new Set<string>();
  // Each thing is named once per delivery, however many attempts meet it.
  const note = (line: string, key = line): void => {
    if (!named.has(key)) options.log(`${options.label}: ${line}`);
    named.add(key);
  };
  let staging = !stagingRefused(repo.gitDir, now());
  let own: StagedCommits | undefined;
  let stagedOnRemote = false;
  try {
    for (let attempt = 1; ; attempt++) {
      let lost: RemoteFailure;
      try {
        const tipSha = await fetchBranch(repo, run.branch, { also: [stagedRefspec(run.branch)], incremental: true });
        const tip = tipSha === undefined ? undefined : await tipOf(reader, repo, tipSha);
        const trees = new TreeCache(reader);
        const seen = listSeen(repo.gitDir, run.branch);
        const remoteOwn = seen.get(options.id);
        if (own === undefined) {
          own = await stageOwn(reader, trees, tip, remoteOwn, carried, run, options);
          for (const object of own.objects) writeLooseObject(repo.gitDir, object);
          // Nothing new to stage (a redelivery): only folding what is already staged may be left.
          if (own.made === 0) stagedOnRemote = true;
        }
        const ownTip = own.head ?? remoteOwn;
        const ownChain = await unfolded(reader, trees, tip, options.id, ownTip, carried);
        if (ownTip !== undefined && ownChain.length === 0) carried.add(options.id, ownTip);
        // Our change is on the branch: pushed by us in an earlier attempt, or carried by whoever won the race.
        if (ownChain.length === 0) return { ok: true, commits: own.made, attempts: attempt, head: tip?.commit, carriedOthers: 0 };
        const chains = [ownChain, ...(await othersChains(reader, trees, tip, seen, options.id, carried, now(), note))];
        const folded = await foldChanges(trees, tip, chains);
        for (const replaced of folded.replaced) note(`${replaced} at ${tip?.commit.slice(0, 12) ?? 'the first commit'}: the tip held something else at a node's own path`, replaced);
        for (const object of folded.objects) writeLooseObject(repo.gitDir, object);
        const refspecs: string[] = [];
        const ownRef = stagedRef(run.branch, options.id);
        const pushOwn = staging && !stagedOnRemote && own.head !== undefined;
        if (pushOwn) refspecs.push(`+${own.head!}:${ownRef}`);
        if (folded.head === undefined) return { ok: true, commits: own.made, attempts: attempt, head: tip?.commit, carriedOthers: 0 };
        refspecs.push(`${folded.head}:refs/heads/${run.branch}`);
        const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', '--', repo.remote.url, ...refspecs]);
        if (result.code !== 0 && looksLikeDamagedClone(result.stderr)) throw new DamagedCloneError(repo.gitDir, lastWords(result.stderr));
        const branchStatus = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, run.branch);
        if (pushOwn) {
          const ownStatus = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, run.branch, ownRef);
          if (ownStatus.kind === 'ok') {
            stagedOnRemote = true;
            writeRef(repo.gitDir, seenRef(run.branch, options.id), own.head!);
          } else if (ownStatus.kind === 'refused' && branchStatus.kind !== 'refused') {
            staging = false;
            rememberStagingRefused(repo.gitDir);
            note(`the remote refuses ${ownRef} (${ownStatus.message}); delivering straight to ${run.branch} for a day`);
          }
        }
        if (branchStatus.kind === 'ok') {
          // The next delivery's redelivery check and `presence show` start from what we know is there.
          writeRef(repo.gitDir, trackingRef(run.branch), folded.head);
          carried.add(options.id, ownTip!);
          return { ok: true, commits: own.made, attempts: attempt, head: folded.head, carriedOthers: folded.nodes - 1 };
        }
        if (branchStatus.kind !== 'stale') return { ok: false, failure: branchStatus, attempts: attempt };
        lost = branchStatus;
      } catch (error) {
        if (error instanceof RemoteError) return { ok: false, failure: error.failure, attempts: attempt };
        throw error;
      } finally {
        carried.save();
      }
      const delay = backoffDelayMs(attempt, RACE_BACKOFF, random);
      if (now() + delay >= options.budgetEnd) {
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

/**
 * The run as staged commits, once per delivery. A state change the branch or
 * the node's staged tip already carries (pushed, then killed before the
 * outbox heard) is not staged again.
 */
async function stageOwn(
  reader: ObjectReader,
  trees: TreeCache,
  tip: Tip | undefined,
  remoteOwn: string | undefined,
  carried: CarriedTips,
  run: PlannedRun,
  options: PushOptions,
): Promise<StagedCommits> {
  const pending = await unfolded(reader, trees, tip, options.id, remoteOwn, carried);
  const stagedTree = remoteOwn === undefined ? undefined : (await readTip(reader, remoteOwn))?.tree;
  return buildStaged(run, pending.length > 0 ? remoteOwn : undefined, options.author, (options.now ?? Date.now)() / 1000, async (commit) => {
    if (commit.statelog === undefined) return false;
    const file = commit.files[0]!.path;
    if (tip && (await documentCarries(reader, trees, tip.tree, file, commit.statelog))) return true;
    return stagedTree !== undefined && (await documentCarries(reader, trees, stagedTree, file, commit.statelog));
  });
}

/**
 * The node's own changes the branch lacks. A staged tip once seen carried
 * stays carried: when the branch later lost the document (deleted, or its
 * history replaced), the node's next change or announce restores it, and
 * old changes are not replayed on top of someone else's decision.
 */
async function unfolded(reader: ObjectReader, trees: TreeCache, tip: Tip | undefined, id: string, staged: string | undefined, carried: CarriedTips): Promise<StagedChange[]> {
  if (staged === undefined || carried.has(id, staged)) return [];
  return [...(await readChain(reader, trees, id, staged, tip?.tree)).changes];
}

/** The other nodes' recent, complete chains the branch lacks; chains seen carried before are not read again. */
async function othersChains(
  reader: ObjectReader,
  trees: TreeCache,
  tip: Tip | undefined,
  seen: ReadonlyMap<string, string>,
  ownId: string,
  carried: CarriedTips,
  nowMs: number,
  note: (line: string) => void,
): Promise<StagedChange[][]> {
  const chains: StagedChange[][] = [];
  for (const [id, sha] of seen) {
    if (id === ownId || carried.has(id, sha)) continue;
    const chain = await readChain(reader, trees, id, sha, tip?.tree);
    for (const ignored of chain.ignored) note(`left out ${ignored}: not a path node ${id} may write`);
    if (chain.changes.length === 0) carried.add(id, sha);
    else if (chain.complete && chain.changes[0]!.time >= nowMs / 1000 - FOLD_OTHERS_WITHIN_S) chains.push([...chain.changes]);
  }
  return chains;
}

async function tipOf(reader: ObjectReader, repo: Repo, sha: string): Promise<Tip> {
  const tip = await readTip(reader, sha);
  if (!tip) throw new DamagedCloneError(repo.gitDir, `the fetched tip ${sha} cannot be read`);
  return tip;
}
