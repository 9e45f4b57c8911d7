import fs from 'node:fs';
import path from 'node:path';
import type { PresenceConfig, S3StoreConfig } from '../config/sections/presence';
import { NodegridError } from '../core/errors';
import { GitError, lastWords, runGit, type GitResult } from '../git/run';
import { ensureClone, withCloneLock } from '../presence/git/clone';
import { labelForUrl, presenceRemote, presenceRemotes, type PresenceRemote } from '../presence/git/remotes';
import { remoteTimedOut, remoteUnreachable } from '../presence/git/unreachable';
import { exactBeatTimes, latestBeats } from './heartbeats';
import { gitHistory, type HistorySource } from './history';
import { loadPresence, type FileProblem, type PresenceRecord } from '../presence/read';
import { folderSource, gitSource, type PresenceSource } from '../presence/source';

/**
 * Where the grid is read from, resolved once per command: a folder holding
 * it/presence/ (a checkout or a plain copy), or a git remote fetched into a
 * read-only clone of the observer's own under $NODEGRID_HOME/grid/. Readers
 * never write presence; they only fetch.
 */
export interface GridLocation {
  /** For messages: the folder, or the remote with credentials hidden. */
  readonly description: string;
  readonly current: PresenceSource;
  readonly heartbeats: PresenceSource;
  /**
   * Every load reads the source afresh (a folder, a bucket), so a long-running
   * reader keeps the location; a git remote must be located (fetched) again.
   */
  readonly readsAfresh?: boolean | undefined;
  /** The past for `history` and `at`; undefined for a plain folder. */
  readonly history?: HistorySource | undefined;
}

export interface LoadedGrid {
  readonly location: GridLocation;
  /** Usable current documents, sorted by id. */
  readonly records: readonly PresenceRecord[];
  /** Files skipped (corrupt, oversized, mislabelled), named by their path. */
  readonly problems: readonly FileProblem[];
  /** Latest flattime minute ("201510082113") each node beat in, within the lookback. */
  readonly beats: ReadonlyMap<string, string>;
  /** With sub-minute beats: the exact time of each node's latest beat. */
  readonly beatTimes?: ReadonlyMap<string, Date> | undefined;
}

export interface GridSourceOptions {
  readonly presenceDir?: string | undefined;
  readonly remoteUrl?: string | undefined;
  readonly presence: PresenceConfig;
  readonly homeDir: string;
  /** Budget for fetching a remote. */
  readonly timeoutMs?: number | undefined;
}

export async function locateGrid(options: GridSourceOptions): Promise<GridLocation> {
  if (options.presenceDir !== undefined && options.remoteUrl !== undefined) throw new NodegridError('E_BAD_INPUT', 'give --presence DIR or --remote URL, not both');
  if (options.presenceDir !== undefined) return folderLocation(options.presenceDir);
  const { backend, s3 } = options.presence;
  if (options.remoteUrl === undefined && backend === 's3' && s3) return s3Location(s3, options.homeDir);
  if (backend === 'hybrid' && s3) {
    // Documents and their history from git (--remote may name another clone of it), liveness from the bucket.
    const [git, bucket] = await Promise.all([gitLocation(options), s3Location(s3, options.homeDir)]);
    return { ...git, description: `${git.description}, beats in ${bucket.description}`, heartbeats: bucket.heartbeats };
  }
  return gitLocation(options);
}

async function s3Location(config: S3StoreConfig, homeDir: string): Promise<GridLocation> {
  const { openS3Presence } = await import('./s3-source');
  // Beside the git readers' clones: what this observer already read, by ETag.
  const cacheFile = path.join(homeDir, 'grid', 's3', `${labelForUrl(`${config.endpoint ?? 'aws'}/${config.bucket}/${config.prefix}`)}.json`);
  const bucket = openS3Presence(config, { cacheFile });
  return { description: bucket.connection.where, current: bucket.source, heartbeats: bucket.source, history: bucket.history, readsAfresh: true };
}

function gitLocation(options: GridSourceOptions): Promise<GridLocation> {
  const remote = options.remoteUrl !== undefined ? presenceRemote('origin', options.remoteUrl) : presenceRemotes(options.presence)[0];
  if (remote === undefined) {
    throw new NodegridError('E_BAD_INPUT', 'no presence to read: give --presence DIR (the folder holding it/presence/) or --remote URL, or set presence.remote in the config', {
      hint: 'e.g. nodegrid nodes --remote git@github.com:acme/grid-presence.git',
    });
  }
  return remoteLocation(remote, options);
}

export async function loadGrid(location: GridLocation, options: { now: Date; lookbackHours: number; exactBeats?: boolean }): Promise<LoadedGrid> {
  // An object store's beat scan stops once every node with a document is found, so it needs the documents first.
  const perKey = location.heartbeats.listFolders !== undefined;
  const snapshotPromise = loadPresence(location.current);
  const expectedIds = perKey ? new Set((await snapshotPromise).records.map((record) => record.id)) : undefined;
  const [snapshot, beats] = await Promise.all([
    snapshotPromise,
    latestBeats(location.heartbeats, { hoursBack: options.lookbackHours, now: options.now, expectedIds }),
  ]);
  const beatTimes = options.exactBeats ? await exactBeatTimes(location.heartbeats, beats) : undefined;
  return { location, records: snapshot.records, problems: snapshot.problems, beats, beatTimes };
}

function folderLocation(dir: string): GridLocation {
  const root = path.resolve(dir);
  let isFolder = false;
  try {
    isFolder = fs.lstatSync(path.join(root, 'it', 'presence')).isDirectory();
  } catch {
    /* reported below */
  }
  if (!isFolder) {
    throw new NodegridError('E_BAD_INPUT', `${root} holds no it/presence/ folder`, { hint: 'pass the root of a presence checkout: the folder that contains it/presence/all' });
  }
  const source = folderSource(root);
  // A checkout's own repository answers history questions about the checked-out branch.
  const dotGit = path.join(root, '.git');
  const history = fs.existsSync(dotGit) ? gitHistory(dotGit, 'HEAD') : undefined;
  // The folder source lists without a stat per file, so heartbeat folders are cheap to list.
  return { description: root, current: source, heartbeats: source, history, readsAfresh: true };
}

async function remoteLocation(remote: PresenceRemote, options: GridSourceOptions): Promise<GridLocation> {
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
  const ref = `refs/remotes/origin/${branch}`;
  return {
    description: `${remote.shownUrl} (${branch})`,
    current: gitSource(gitDir, ref, { secrets: remote.secrets, timeoutMs }),
    heartbeats: gitSource(gitDir, `refs/remotes/origin/${beatBranch}`, { secrets: remote.secrets, timeoutMs }),
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
  const args = ['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', ...(shallow ? ['--depth=1'] : []), '--', url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`];
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
