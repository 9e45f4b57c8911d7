import { runGitIn, type Repo } from './clone';
import { classifyGitFailure, classifyPush, RemoteError } from './failures';
import { stagedRef } from './staging';

/**
 * Deletes nodes' staged refs on the remote (`presence forget`). Another
 * node's delivery folds every staged change the branch does not carry
 * (fold.ts), and a forgotten node's document is by then exactly that: left on
 * its staged ref, its last change would be folded back onto the branch by
 * the next node to push. Only refs the remote has are deleted (git refuses to
 * delete one that is not there); returns the ids whose ref went.
 */
export async function dropStagedRefs(repo: Repo, branch: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const wanted = new Map(ids.map((id) => [stagedRef(branch, id), id]));
  const listed = await runGitIn(repo, ['ls-remote', '--', repo.remote.url, ...wanted.keys()]);
  if (listed.code !== 0) throw new RemoteError(classifyGitFailure('list refs of', repo.remote.shownUrl, listed.stderr));
  const present = listed.stdout
    .split('\n')
    .map((line) => line.split('\t')[1]?.trim())
    .filter((ref): ref is string => ref !== undefined && wanted.has(ref));
  if (present.length === 0) return [];
  const result = await runGitIn(repo, ['push', '--porcelain', '--quiet', '--', repo.remote.url, ...present.map((ref) => `:${ref}`)]);
  for (const ref of present) {
    const status = classifyPush(result.code, result.stdout, result.stderr, repo.remote.shownUrl, branch, ref);
    if (status.kind !== 'ok') throw new RemoteError(status);
  }
  return present.map((ref) => wanted.get(ref)!);
}
