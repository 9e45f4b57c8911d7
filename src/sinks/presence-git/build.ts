import fs from 'node:fs';
import path from 'node:path';
import { runGitIn, gitIn, type FetchedTip, type Repo } from './clone';
import type { PlannedRun } from './plan';

/**
 * Builds the planned commits on top of the remote's tip with plumbing only
 * (a temporary index, write-tree, commit-tree): no working tree, no merge, no
 * rebase. A node only ever writes its own files, so "re-applying our change on
 * the new tip" is exactly rebuilding these commits there, and history stays linear.
 */
export interface Author {
  readonly name: string;
  readonly email: string;
}

export interface BuiltCommits {
  /** The new head to push, or undefined when the tip already has everything. */
  readonly head: string | undefined;
  readonly made: number;
}

/** Git's well-known empty tree: the parent tree of a first commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface BuildOptions {
  readonly author: Author;
  /** Blob ids by content, kept across attempts of one delivery. */
  readonly blobs: Map<string, string>;
  /**
   * Look for a redelivered state change. Only the first attempt needs to: after a
   * lost race the tip moved because of other nodes, never because of our file.
   */
  readonly checkRedelivery: boolean;
}

export async function buildCommits(repo: Repo, tip: FetchedTip | undefined, run: PlannedRun, options: BuildOptions): Promise<BuiltCommits> {
  const { author, blobs } = options;
  const indexFile = path.join(repo.gitDir, `nodegrid-index-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const env = { GIT_INDEX_FILE: indexFile };
  const commitEnv = {
    ...env,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  try {
    await gitIn(repo, tip ? ['read-tree', tip.tree] : ['read-tree', '--empty'], { env });
    let parent = tip?.commit;
    let parentTree = tip?.tree ?? EMPTY_TREE;
    let made = 0;
    for (const commit of run.commits) {
      // A redelivered state change (pushed, then killed before the outbox heard) is already there.
      if (options.checkRedelivery && made === 0 && commit.statelog !== undefined && (await documentCarries(repo, env, commit.files[0]!.path, commit.statelog))) continue;
      const lines: string[] = [];
      for (const file of commit.files) lines.push(`100644 ${await blobFor(repo, file.content, blobs)}\t${file.path}`);
      await gitIn(repo, ['update-index', '--add', '--index-info'], { env, input: `${lines.join('\n')}\n` });
      const tree = (await gitIn(repo, ['write-tree'], { env })).trim();
      if (tree === parentTree) continue;
      const args = ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'];
      parent = (await gitIn(repo, args, { env: commitEnv, input: `${commit.message}\n` })).trim();
      parentTree = tree;
      made++;
    }
    return { head: made > 0 ? parent : undefined, made };
  } finally {
    fs.rmSync(indexFile, { force: true });
    fs.rmSync(`${indexFile}.lock`, { force: true });
  }
}

/** Whether the document at `file` (in the index) already has this statelog or a newer one that extends it. */
async function documentCarries(repo: Repo, env: Record<string, string>, file: string, statelog: string): Promise<boolean> {
  const result = await runGitIn(repo, ['cat-file', 'blob', `:${file}`], { env });
  if (result.code !== 0) return false;
  try {
    const remote = (JSON.parse(result.stdout) as { value?: { statelog?: unknown } }).value?.statelog;
    return typeof remote === 'string' && statelog !== '' && remote.startsWith(statelog);
  } catch {
    return false;
  }
}

async function blobFor(repo: Repo, content: string, blobs: Map<string, string>): Promise<string> {
  const known = blobs.get(content);
  if (known) return known;
  const sha = (await gitIn(repo, ['hash-object', '-w', '--stdin'], { input: content })).trim();
  blobs.set(content, sha);
  return sha;
}
