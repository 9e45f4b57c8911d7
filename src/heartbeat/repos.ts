import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import { git, GitError, lastWords, runGit, runGitThen } from '../git/run';

/**
 * The git repos a node follows: every folder under repoDir with a .git. Each
 * beat fetches them all at once and fast-forwards; a repo that cannot
 * fast-forward (someone edited the node by hand) is reported, never reset.
 */
export interface PullResult {
  readonly repo: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly changed: boolean;
  readonly error?: string | undefined;
}

/**
 * Why repoDir cannot be followed, or undefined when it can. findRepos reads an
 * absent folder as "no repos", which is right for an empty one and hides a typo.
 */
export function repoDirProblem(repoDir: string): string | undefined {
  try {
    if (!fs.statSync(repoDir).isDirectory()) return 'is not a folder';
    fs.accessSync(repoDir, fs.constants.R_OK | fs.constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    return `cannot be read (${code ?? errorMessage(error)})`;
  }
}

export function findRepos(repoDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(repoDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(repoDir, entry.name, '.git')))
    .map((entry) => path.join(repoDir, entry.name))
    .sort();
}

/**
 * Two gits per repo when nothing changed (fetch, rev-parse), started together
 * by one shell (runGitThen): looking must stay cheap, every minute, on every node.
 */
export async function pullRepo(repo: string, timeoutMs: number): Promise<PullResult> {
  let before: string | null = null;
  try {
    // No `git maintenance run --auto` after a fetch: one process more per repo every minute, and
    // nothing to tidy when nothing came. The merge that takes what came runs it (git merge does).
    const fetchArgs = ['-C', repo, 'fetch', '--quiet', '--no-tags', '--no-auto-maintenance'];
    const { first: fetched, then: heads } = await runGitThen(fetchArgs, ['-C', repo, 'rev-parse', 'HEAD', '@{upstream}'], { timeoutMs });
    if (heads === undefined) throw new GitError(`git fetch failed (exit ${fetched.code}): ${lastWords(fetched.stderr) || 'no message'}`, fetched.code, fetched.stderr, false);
    const [head, upstream] = heads.stdout.trim().split('\n');
    before = head && /^[0-9a-f]{40,64}$/.test(head) ? head : null;
    if (heads.code !== 0 || !upstream) {
      return { repo, before, after: before, changed: false, error: heads.code !== 0 ? `no upstream to follow: ${lastWords(heads.stderr)}` : undefined };
    }
    if (upstream === before) return { repo, before, after: before, changed: false };
    await git(['-C', repo, 'merge', '--ff-only', '--quiet', '@{upstream}'], { timeoutMs });
    return { repo, before, after: upstream, changed: true };
  } catch (error) {
    // Offline is normal for a node now and then: keep what it has, say why nothing came.
    const head = await runGit(['-C', repo, 'rev-parse', '--verify', '--quiet', 'HEAD'], { timeoutMs }).catch(() => undefined);
    const current = head?.code === 0 ? head.stdout.trim() : before;
    return { repo, before: current, after: current, changed: false, error: errorMessage(error) };
  }
}

export function pullAll(repoDir: string, timeoutMs: number): Promise<PullResult[]> {
  return Promise.all(findRepos(repoDir).map((repo) => pullRepo(repo, timeoutMs)));
}

/** Files changed between two commits, limited to the watched paths (all paths when none are set). */
export async function changedPaths(repo: string, from: string, to: string, watch: readonly string[] | undefined, timeoutMs: number): Promise<string[]> {
  const out = await git(['-C', repo, 'diff', '--name-only', `${from}..${to}`, '--', ...(watch ?? [])], { timeoutMs });
  return out.split('\n').filter(Boolean);
}
