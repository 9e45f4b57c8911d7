import fs from 'node:fs';
import path from 'node:path';
import { readRef } from '../../git/refs';
import { git, lastWords, runGit, type GitOptions, type GitResult } from '../../git/run';
import { acquireLock } from '../../sys/lock';
import { looksLikeDamagedClone, removeStaleLocks, stopStrayGits } from './clone-health';
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
    // The remote's credentials travel in git's environment, never in its argv (git/credentials.ts).
    env: { ...repo.remote.gitEnv, ...extra.env },
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
    // Appended in-process (a second [core] section is valid git config): three `git config` processes fewer
    // on every node's first delivery, which in a mass launch is every node at once.
    // No reflogs: their messages would repeat the fetch command line, URL included.
    fs.appendFileSync(path.join(temp, 'config'), '[core]\n\tlogAllRefUpdates = false\n[gc]\n\tautoDetach = false\n[fetch]\n\twriteFetchHEAD = false\n');
    fs.rmSync(gitDir, { recursive: true, force: true });
    fs.renameSync(temp, gitDir);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return true;
}

/** What the clone's hygiene did on the way in, for the log. */
export interface CloneRepairs {
  /** Lock and temporary files a killed git left, removed. */
  readonly removed: readonly string[];
  /** Git processes of an earlier holder (killed with SIGKILL) that were still running, stopped. */
  readonly stopped: readonly number[];
}

/**
 * One user of a clone at a time: the sink's delivery, `presence show`, the
 * readers. Whoever holds the lock owns everything in the clone, so on the way
 * in it stops an earlier holder's stray gits and removes the locks a killed
 * git left: a clone never stays muted by a stale shallow.lock.
 */
export async function withCloneLock<T>(gitDir: string, timeoutMs: number, body: (repairs: CloneRepairs) => Promise<T>): Promise<T> {
  const lock = await acquireLock(`${gitDir}.lock`, { timeoutMs, what: `the presence clone ${path.basename(gitDir)}` });
  try {
    const stopped = fs.existsSync(gitDir) ? stopStrayGits(gitDir) : [];
    const removed = removeStaleLocks(gitDir);
    return await body({ removed, stopped });
  } finally {
    await lock.release();
  }
}

/** "removed stale shallow.lock, refs/remotes/origin/main.lock (left by a killed git)" or undefined. */
export function describeRepairs(gitDir: string, repairs: CloneRepairs): string | undefined {
  const parts: string[] = [];
  if (repairs.stopped.length > 0) parts.push(`stopped ${repairs.stopped.length} git process${repairs.stopped.length === 1 ? '' : 'es'} an earlier run left behind`);
  if (repairs.removed.length > 0) parts.push(`removed ${repairs.removed.map((file) => path.relative(gitDir, file)).join(', ')} (left by a killed git)`);
  return parts.length > 0 ? `${parts.join('; ')} in ${gitDir}` : undefined;
}

export function trackingRef(branch: string): string {
  return `refs/remotes/origin/${branch}`;
}

export interface FetchOptions {
  /** More refspecs fetched in the same process (a delivery: every node's staged ref). */
  readonly also?: readonly string[] | undefined;
  /**
   * Shallow only when the clone has no tip of the branch yet: an incremental
   * fetch costs the server a third of a shallow one (measured on git daemon)
   * and brings staged chains whole. Readers stay shallow every time.
   */
  readonly incremental?: boolean | undefined;
}

/**
 * Fetches the remote's tip of `branch` into its tracking ref (a node needs the
 * tip, not the grid's history) and returns it; undefined when the remote has
 * no such branch yet (an empty repository): the first push creates it.
 */
export async function fetchBranch(repo: Repo, branch: string, options: FetchOptions = {}): Promise<string | undefined> {
  const ref = trackingRef(branch);
  const depth = options.incremental && readRef(repo.gitDir, ref) !== undefined ? [] : ['--depth=1'];
  // git's own upkeep after a fetch is a process each time; one fetch in fifty keeps the clone packed.
  const upkeep = Math.random() < 1 / 50 ? [] : ['--no-auto-maintenance'];
  const refspecs = [`+refs/heads/${branch}:${ref}`, ...(options.also ?? [])];
  // A staged ref deleted on the remote (`presence forget`) must go here too, or its change would still be folded from the copy.
  const prune = options.also?.length ? ['--prune'] : [];
  const result = await runGitIn(repo, ['fetch', ...depth, ...upkeep, ...prune, '--no-tags', '--no-write-fetch-head', '--quiet', '--', repo.remote.url, ...refspecs]);
  if (result.code !== 0) {
    // No branch yet (staged changes of others then wait for the next writer).
    if (/couldn't find remote ref/i.test(result.stderr)) {
      await runGitIn(repo, ['update-ref', '-d', ref]);
      return undefined;
    }
    if (looksLikeDamagedClone(result.stderr)) throw new DamagedCloneError(repo.gitDir, lastWords(result.stderr));
    throw new RemoteError(classifyGitFailure('fetch from', repo.remote.shownUrl, result.stderr));
  }
  const tip = readRef(repo.gitDir, ref);
  if (tip === undefined) throw new DamagedCloneError(repo.gitDir, `the fetch left no ${ref}`);
  return tip;
}

/** The clone itself cannot be used (corrupt objects, a broken shallow file): it is set aside and made again. */
export class DamagedCloneError extends Error {
  constructor(
    readonly gitDir: string,
    readonly reason: string,
  ) {
    super(`the presence clone ${gitDir} is damaged: ${reason}`);
    this.name = 'DamagedCloneError';
  }
}
