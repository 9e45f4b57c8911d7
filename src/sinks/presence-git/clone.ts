import fs from 'node:fs';
import path from 'node:path';
import { git, runGit, type GitOptions, type GitResult } from '../../git/run';
import { acquireLock } from '../../node/lock';
import { classifyGitFailure, RemoteError } from './failures';
import type { PresenceRemote } from './remotes';

/**
 * The sink's own bare clone under $NODEGRID_HOME/clones/, created once and
 * reused: a delivery is one shallow fetch and one push, never a fresh clone.
 * The remote URL is handed to git on each command and never written into the
 * clone (its config, FETCH_HEAD or reflogs), so credentials stay off the disk.
 */
export interface Repo {
  readonly gitDir: string;
  readonly remote: PresenceRemote;
  /** Epoch ms: no git command runs past it. */
  readonly deadline: number;
  readonly commandTimeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export function gitOptions(repo: Repo, extra: Partial<GitOptions> = {}): GitOptions {
  return {
    gitDir: repo.gitDir,
    timeoutMs: Math.max(1, Math.min(repo.commandTimeoutMs, repo.deadline - Date.now())),
    signal: repo.signal,
    secrets: repo.remote.secrets,
    ...extra,
  };
}

export function gitIn(repo: Repo, args: readonly string[], extra: Partial<GitOptions> = {}): Promise<string> {
  return git(args, gitOptions(repo, extra));
}

export function runGitIn(repo: Repo, args: readonly string[], extra: Partial<GitOptions> = {}): Promise<GitResult> {
  return runGit(args, gitOptions(repo, extra));
}

/** Creates the bare clone if it is missing or was left half-made; true when it was created. */
export async function ensureClone(gitDir: string, timeoutMs: number): Promise<boolean> {
  if (fs.existsSync(path.join(gitDir, 'HEAD')) && fs.existsSync(path.join(gitDir, 'objects'))) return false;
  fs.mkdirSync(path.dirname(gitDir), { recursive: true });
  // Made aside and renamed into place, so a kill never leaves a clone that looks whole.
  const temp = `${gitDir}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await git(['init', '--bare', '--quiet', temp], { timeoutMs });
    const settings: Array<[string, string]> = [
      // No reflogs: their messages would repeat the fetch command line, URL included.
      ['core.logAllRefUpdates', 'false'],
      ['gc.autoDetach', 'false'],
      ['fetch.writeFetchHEAD', 'false'],
    ];
    for (const [key, value] of settings) await git(['--git-dir', temp, 'config', key, value], { timeoutMs });
    fs.rmSync(gitDir, { recursive: true, force: true });
    fs.renameSync(temp, gitDir);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return true;
}

/** One user of a clone at a time: the sink's delivery or `presence show`. */
export async function withCloneLock<T>(gitDir: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(`${gitDir}.lock`, { timeoutMs, what: `the presence clone ${path.basename(gitDir)}` });
  try {
    return await body();
  } finally {
    await lock.release();
  }
}

export function trackingRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

/**
 * The remote's tip of `branch`, fetched shallow (a node needs the tip, not the
 * grid's history), or undefined when the remote has no such branch yet (an
 * empty repository): the first push creates it.
 */
export interface FetchedTip {
  readonly commit: string;
  readonly tree: string;
}

export async function fetchBranch(repo: Repo, branch: string): Promise<FetchedTip | undefined> {
  const ref = trackingRef(branch);
  const result = await runGitIn(repo, ['fetch', '--depth=1', '--no-tags', '--no-write-fetch-head', '--quiet', '--', repo.remote.url, `+refs/heads/${branch}:${ref}`]);
  if (result.code !== 0) {
    if (/couldn't find remote ref/i.test(result.stderr)) {
      await runGitIn(repo, ['update-ref', '-d', ref]);
      return undefined;
    }
    throw new RemoteError(classifyGitFailure('fetch from', repo.remote.shownUrl, result.stderr));
  }
  const [commit, tree] = (await gitIn(repo, ['rev-parse', `${ref}^{commit}`, `${ref}^{tree}`])).trim().split('\n');
  return { commit: commit!, tree: tree! };
}
