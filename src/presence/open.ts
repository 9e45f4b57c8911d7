import fs from 'node:fs';
import path from 'node:path';
import type { PresenceConfig, S3StoreConfig } from '../config/sections/presence';
import { NodegridError } from '../core/errors';
import { gitHistory } from './git/history';
import { openRemoteReader } from './git/reader';
import { labelForUrl, presenceRemote, presenceRemotes } from './git/remotes';
import { folderSource } from './source';
import type { PresenceView } from './store';

/**
 * Opens presence for reading, resolved once per command: a folder holding
 * it/presence/ (a checkout or a plain copy), a git remote fetched into the
 * reader's own clone, a bucket, or (hybrid) documents from git and beats from
 * the bucket. Every reader above (the grid, `presence show`, serve, the
 * monitor) sees one PresenceView and does not know which it is.
 */
export interface OpenOptions {
  readonly presenceDir?: string | undefined;
  readonly remoteUrl?: string | undefined;
  readonly presence: PresenceConfig;
  readonly homeDir: string;
  /** Budget for fetching a remote. */
  readonly timeoutMs?: number | undefined;
}

export async function openPresence(options: OpenOptions): Promise<PresenceView> {
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

async function s3Location(config: S3StoreConfig, homeDir: string): Promise<PresenceView> {
  const { openS3Presence } = await import('./s3/reader');
  // Beside the git readers' clones: what this observer already read, by ETag.
  const cacheFile = path.join(homeDir, 'grid', 's3', `${labelForUrl(`${config.endpoint ?? 'aws'}/${config.bucket}/${config.prefix}`)}.json`);
  const bucket = openS3Presence(config, { cacheFile });
  return { description: bucket.connection.where, current: bucket.source, heartbeats: bucket.source, history: bucket.history, readsAfresh: true };
}

function gitLocation(options: OpenOptions): Promise<PresenceView> {
  const remote = options.remoteUrl !== undefined ? presenceRemote('origin', options.remoteUrl) : presenceRemotes(options.presence)[0];
  if (remote === undefined) {
    throw new NodegridError('E_BAD_INPUT', 'no presence to read: give --presence DIR (the folder holding it/presence/) or --remote URL, or set presence.remote in the config', {
      hint: 'e.g. nodegrid nodes --remote git@github.com:acme/grid-presence.git',
    });
  }
  return openRemoteReader(remote, options);
}

function folderLocation(dir: string): PresenceView {
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
