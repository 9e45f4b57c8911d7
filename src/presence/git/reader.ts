import path from 'node:path';
import type { PresenceConfig } from '../../config/sections/presence';
import { NodegridError } from '../../core/errors';
import { GitError, lastWords, runGit, type GitResult } from '../../git/run';
import type { PresenceView } from '../store';
import { gitSource } from '../source';
import { ensureClone, trackingRef, withCloneLock } from './clone';
import { gitHistory } from './history';
import { labelForUrl, type PresenceRemote } from './remotes';
import { remoteTimedOut, remoteUnreachable } from './unreachable';

/**
 * A reader's view of a git remote: fetched into a read-only clone of the
 * observer's own under $NODEGRID_HOME/grid/ (with the whole history of the
 * main branch, for `history` and `at`). Readers never write presence; they
 * only fetch.
 */
export interface RemoteReaderOptions {
  readonly presence: PresenceConfig;
  readonly homeDir: string;
  /** Budget for fetching the remote. */
  readonly timeoutMs?: number | undefined;
}

export async function openRemoteReader(remote: PresenceRemote, options: RemoteReaderOptions): Promise<PresenceView> {
  const gitDir = path.join(options.homeDir, 'grid', 'clones', `${labelForUrl(remote.url)}.git`);
  const timeoutMs = options.timeoutMs ?? options.presence.gitTimeoutSeconds * 1000;
  // One budget for every fetch of this read, so a hung remote costs the reader the timeout once.
  const fetching: Fetching = { gitDir, url: remote.url, env: remote.gitEnv, shownUrl: remote.shownUrl, secrets: remote.secrets, deadline: Date.now() + timeoutMs, timeoutMs };
  const branch = options.presence.branch;
  const beatBranch = options.presence.heartbeat.branch ?? branch;
  await withCloneLock(gitDir, timeoutMs, async () => {
    await ensureClone(gitDir, timeoutMs);
    // The whole history of the main branch (history and `at` need it); heartbeats
    // on their own branch only at the tip, where every flattime file still is.
    await fetchInto(fetching, branch, false);
    if (beatBranch !== branch) await fetchInto(fetching, beatBranch, true);
  });
  const ref = trackingRef(branch);
  return {
    description: `${remote.shownUrl} (${branch})`,
    current: gitSource(gitDir, ref, { secrets: remote.secrets, timeoutMs }),
    heartbeats: gitSource(gitDir, trackingRef(beatBranch), { secrets: remote.secrets, timeoutMs }),
    history: gitHistory(gitDir, ref, remote.secrets),
  };
}

interface Fetching {
  readonly gitDir: string;
  /** Handed to git only, without credentials; messages use shownUrl. */
  readonly url: string;
  /** The credentials, for git's environment (git/credentials.ts). */
  readonly env: Readonly<Record<string, string>>;
  readonly shownUrl: string;
  readonly secrets: readonly string[];
  /** Epoch ms: the read's fetches together end by then. */
  readonly deadline: number;
  readonly timeoutMs: number;
}

async function fetchInto(fetching: Fetching, branch: string, shallow: boolean): Promise<void> {
  const { gitDir, url, env, shownUrl, secrets } = fetching;
  const args = ['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', ...(shallow ? ['--depth=1'] : []), '--', url, `+refs/heads/${branch}:${trackingRef(branch)}`];
  let result: GitResult;
  try {
    result = await runGit(args, { gitDir, env, secrets, timeoutMs: Math.max(1, fetching.deadline - Date.now()) });
  } catch (error) {
    if (error instanceof GitError && error.timedOut) throw remoteTimedOut(shownUrl, fetching.timeoutMs, error.stderr);
    throw error;
  }
  if (result.code === 0) return;
  if (/couldn't find remote ref/i.test(result.stderr)) {
    throw new NodegridError('E_BAD_INPUT', `${shownUrl} has no branch ${branch}: no node has published presence there yet`, { hint: 'check presence.branch, or publish with: nodegrid presence push' });
  }
  throw remoteUnreachable(shownUrl, lastWords(result.stderr) || 'git gave no reason');
}
