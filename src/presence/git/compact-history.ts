import { CURRENT_DIR } from '../format';
import { gitIn, runGitIn, type Repo } from './clone';
import { compactedCount, type HistoryCommit, type PlanUnit } from './compact-plan';

/**
 * Reads what `presence compact` needs from its full clone, a few git processes
 * per pass whatever the branch's length (a grid adds thousands of commits a
 * day; one process per commit would take minutes).
 */

/** Commits per `git log` or `git cat-file` call, so no single output nears run.ts's output limit. */
const BATCH = 20_000;

/**
 * The first-parent line of `tip`, oldest first. Commits in `known` (read by an
 * earlier attempt of the same run) are not read again, so a retry after a lost
 * race costs only the beats pushed meanwhile.
 */
export async function readFirstParentLine(repo: Repo, tip: string, known: Map<string, HistoryCommit>): Promise<HistoryCommit[]> {
  const shas = (await gitIn(repo, ['rev-list', '--first-parent', '--reverse', tip])).split('\n').filter(Boolean);
  const count = Number((await gitIn(repo, ['rev-list', '--first-parent', '--count', tip])).trim());
  // run.ts drops output past its limit; a short list would be rewritten into a shorter history.
  if (shas.length !== count) throw new Error(`read ${shas.length} of the ${count} commits of the heartbeat branch: too many for one pass`);
  const missing = shas.filter((sha) => !known.has(sha));
  for (let start = 0; start < missing.length; start += BATCH) {
    const batch = missing.slice(start, start + BATCH);
    const out = await gitIn(repo, ['log', '--no-walk=unsorted', '--stdin', '--format=%H %T %ct %s'], { input: `${batch.join('\n')}\n` });
    for (const line of out.split('\n')) {
      if (line === '') continue;
      const [sha, tree, time] = line.split(' ', 3) as [string, string, string];
      const subject = line.slice(sha.length + tree.length + time.length + 3);
      known.set(sha, { sha, tree, time: Number(time), compacted: compactedCount(subject) });
    }
  }
  return shas.map((sha) => {
    const commit = known.get(sha);
    if (!commit) throw new Error(`git log did not describe commit ${sha}`);
    return commit;
  });
}

/** A commit as git stored it, for re-creating it on a new parent with nothing else changed. */
export interface RawCommit {
  /** "Name <email> 1700000000 +0100", exactly as stored (latin1, so every byte survives). */
  readonly author: string;
  readonly committer: string;
  readonly encoding?: string | undefined;
  /** Parents after the first (a merge's); the first is the one being replaced. */
  readonly otherParents: readonly string[];
  /** Bytes, untouched: not every message is UTF-8. */
  readonly message: Buffer;
}

/** The raw commits of `shas`, by sha. */
export async function readRawCommits(repo: Repo, shas: readonly string[]): Promise<Map<string, RawCommit>> {
  const commits = new Map<string, RawCommit>();
  for (let start = 0; start < shas.length; start += BATCH) {
    const batch = shas.slice(start, start + BATCH);
    const out = (await runCatFile(repo, batch)).stdoutBuffer;
    let at = 0;
    for (const sha of batch) {
      const headerEnd = out.indexOf(0x0a, at);
      const header = out.subarray(at, headerEnd).toString('latin1');
      const match = /^([0-9a-f]+) commit (\d+)$/.exec(header);
      if (headerEnd < 0 || match?.[1] !== sha) throw new Error(`git cat-file gave "${header.slice(0, 80)}" for commit ${sha}`);
      const size = Number(match[2]);
      commits.set(sha, parseRawCommit(out.subarray(headerEnd + 1, headerEnd + 1 + size)));
      at = headerEnd + 1 + size + 1;
    }
  }
  return commits;
}

async function runCatFile(repo: Repo, shas: readonly string[]): Promise<{ stdoutBuffer: Buffer }> {
  const result = await runGitIn(repo, ['cat-file', '--batch'], { input: `${shas.join('\n')}\n` });
  if (result.code !== 0) throw new Error(`git cat-file failed (exit ${result.code})`);
  return result;
}

export function parseRawCommit(body: Buffer): RawCommit {
  const split = body.indexOf('\n\n');
  const headers = (split < 0 ? body : body.subarray(0, split)).toString('latin1').split('\n');
  const message = split < 0 ? Buffer.alloc(0) : body.subarray(split + 2);
  let author = '';
  let committer = '';
  let encoding: string | undefined;
  const parents: string[] = [];
  // Continuation lines (" …") belong to gpgsig or mergetag, which the new commit drops:
  // a signature over the old parent would not verify anyway.
  for (const line of headers) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'author') author = value;
    else if (key === 'committer') committer = value;
    else if (key === 'encoding') encoding = value;
    else if (key === 'parent') parents.push(value);
  }
  return { author, committer, encoding, otherParents: parents.slice(1), message };
}

/**
 * The first commit of a squashed unit that changes a current document
 * (it/presence/all/), and the file. Squashing it would erase a state change from
 * history, so compaction refuses: the branch is not a heartbeat-only branch.
 */
export async function findStateChange(repo: Repo, unit: PlanUnit, parent: string | undefined): Promise<{ sha: string; file: string } | undefined> {
  const last = unit.commits.at(-1)!.sha;
  const range = parent === undefined ? [last] : [`${parent}..${last}`];
  const out = await gitIn(repo, ['log', '--first-parent', '--no-renames', '-n', '1', '--format=%H', '--name-only', ...range, '--', `${CURRENT_DIR}/`]);
  const [sha, ...files] = out.split('\n').filter(Boolean);
  return sha === undefined ? undefined : { sha, file: files[0] ?? CURRENT_DIR };
}
