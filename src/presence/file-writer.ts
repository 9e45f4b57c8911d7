import os from 'node:os';
import path from 'node:path';
import type { PresenceConfig, S3StoreConfig } from '../config/sections/presence';
import { errorMessage, NodegridError } from '../core/errors';
import type { DirectFile, DirectRemoval } from './git/direct';
import { parsePresencePath } from './format';
import { cloneDirFor, labelForUrl, presenceRemote, presenceRemotes, type PresenceRemote } from './git/remotes';

/**
 * Writes a few files of presence that are not a node's own document or beat
 * (requests to a node, their outcomes, silences), to wherever the config
 * keeps documents: the first git remote's presence.branch, or the bucket.
 * Used by operators' commands and by a node answering a request; nodes'
 * documents go through the outbox and the presence sinks, never here.
 */
export interface PresenceFileWriter {
  /** For messages: the remote with credentials hidden, or the bucket. */
  readonly description: string;
  /** Writes the files as one change ("who: what" is the commit message); throws a NodegridError naming the store when it cannot. */
  write(files: readonly DirectFile[], message: string, options: WriteOptions): Promise<void>;
  /**
   * Removes nodes' current documents (`presence forget`), each only while it
   * holds what was judged (`expected`), in one commit or one DELETE each; their
   * history stays. In git the nodes' staged refs go first, so no other node's
   * delivery folds a forgotten document back. Says what came of each path.
   */
  remove(removals: readonly DirectRemoval[], message: string, options: WriteOptions): Promise<Map<string, RemovalOutcome>>;
  close(): Promise<void>;
}

export interface WriteOptions {
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/** removed; absent: it was gone already; changed: the node published again since it was read, so it was kept. */
export type RemovalOutcome = 'removed' | 'absent' | 'changed';

export interface FileWriterOptions {
  readonly presence: PresenceConfig;
  readonly homeDir: string;
  /** --remote: another clone of the presence repository than the configured one. */
  readonly remoteUrl?: string | undefined;
}

export async function openPresenceFileWriter(options: FileWriterOptions): Promise<PresenceFileWriter> {
  const { backend, s3 } = options.presence;
  if (options.remoteUrl === undefined && backend === 's3' && s3) return s3Writer(s3);
  const configured = presenceRemotes(options.presence)[0];
  const remote = options.remoteUrl !== undefined ? presenceRemote('direct', options.remoteUrl) : configured;
  if (remote === undefined) {
    throw new NodegridError('E_BAD_INPUT', 'no presence to write to: set presence.remote (or presence.backend: s3) in the config, or give --remote URL', { hint: 'e.g. nodegrid request drain i-0abc --remote git@github.com:acme/grid-presence.git' });
  }
  // The configured remote shares the node's own clone (one lock, objects fetched once); another URL gets one of its own.
  const gitDir = options.remoteUrl === undefined ? cloneDirFor(options.homeDir, remote.name) : path.join(options.homeDir, 'clones', `direct-${labelForUrl(remote.url)}.git`);
  return gitWriter(options.presence, remote, gitDir);
}

function gitWriter(config: PresenceConfig, remote: PresenceRemote, gitDir: string): PresenceFileWriter {
  const commit = async (files: readonly DirectFile[], removals: readonly DirectRemoval[], message: string, { timeoutMs, log }: WriteOptions): Promise<void> => {
    const [{ ensureClone, withCloneLock }, { ChangedSinceReadError, commitFilesToBranch }, { dropStagedRefs }] = await Promise.all([import('./git/clone'), import('./git/direct'), import('./git/staged-refs')]);
    const deadline = Date.now() + timeoutMs;
    const repo = { gitDir, remote, deadline, commandTimeoutMs: config.gitTimeoutSeconds * 1000 };
    const forgotten = removals.flatMap((removal) => {
      const at = parsePresencePath(removal.path);
      return at?.kind === 'current' ? [at.id] : [];
    });
    const outcome = await withCloneLock(gitDir, timeoutMs, async () => {
      await ensureClone(gitDir, timeoutMs);
      const dropped = await dropStagedRefs(repo, config.branch, forgotten);
      if (dropped.length > 0) log(`deleted the staged ref${dropped.length === 1 ? '' : 's'} of ${dropped.join(', ')}`);
      return commitFilesToBranch(repo, files, { branch: config.branch, message, author: config.author ?? { name: 'nodegrid', email: `nodegrid@${os.hostname()}` }, budgetEnd: deadline, log, remove: removals });
    }).catch(async (error: unknown) => {
      if (error instanceof ChangedSinceReadError) {
        throw new NodegridError('E_PROBLEMS_FOUND', `${error.message}: its node published again after it was judged`, { hint: 'look at it again (nodegrid nodes), then run the command again' });
      }
      const { RemoteError } = await import('./git/failures');
      const why = error instanceof RemoteError ? error.failure.message : errorMessage(error);
      throw error instanceof NodegridError ? error : new NodegridError('E_UNREACHABLE', `presence ${remote.shownUrl} (${config.branch}): ${why}`);
    });
    if (!outcome.ok) {
      throw new NodegridError(outcome.failure.kind === 'refused' ? 'E_PROBLEMS_FOUND' : 'E_UNREACHABLE', outcome.failure.message, { hint: outcome.failure.kind === 'refused' ? 'the server refused the push: check write access to the presence repository' : 'try again later' });
    }
  };
  return {
    description: `${remote.shownUrl} (${config.branch})`,
    write: (files, message, options) => commit(files, [], message, options),
    async remove(removals, message, options) {
      await commit([], removals, message, options);
      // One commit: either every document went, or the command failed above.
      return new Map(removals.map((removal) => [removal.path, 'removed' as const]));
    },
    // The clone stays for the next write (a node's outcomes, an operator's next request).
    close: () => Promise.resolve(),
  };
}

function s3Writer(store: S3StoreConfig): PresenceFileWriter {
  let connection: Awaited<ReturnType<typeof connect>> | undefined;
  const connect = async () => {
    const [{ openS3 }, objects, documents] = await Promise.all([import('../s3/client'), import('../s3/objects'), import('./s3/documents')]);
    return { s3: openS3(store), objects, documents };
  };
  const where = `s3://${store.bucket}/${store.prefix}`;
  return {
    description: where,
    async write(files, _message, { timeoutMs }) {
      connection ??= await connect();
      const { s3, objects } = connection;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        // A bucket keeps no commit: each file is its own object, and the request or outcome carries who and when.
        for (const file of files) await objects.putObject(s3, file.path, file.content, undefined, { signal });
      } catch (error) {
        throw new NodegridError(error instanceof objects.S3Failure && error.permanent ? 'E_PROBLEMS_FOUND' : 'E_UNREACHABLE', errorMessage(error));
      }
    },
    async remove(removals, _message, { timeoutMs }) {
      connection ??= await connect();
      const { s3, objects, documents } = connection;
      const signal = AbortSignal.timeout(timeoutMs);
      const outcomes = new Map<string, RemovalOutcome>();
      try {
        for (const removal of removals) {
          if (removal.expected === undefined) {
            await objects.deleteObject(s3, removal.path, undefined, { signal });
            outcomes.set(removal.path, 'removed');
            continue;
          }
          const deleted = await documents.deleteCurrentDocument(s3, removal.path, removal.expected, { conditional: store.conditionalWrites, signal });
          outcomes.set(removal.path, deleted === 'deleted' ? 'removed' : deleted);
        }
      } catch (error) {
        throw new NodegridError(error instanceof objects.S3Failure && error.permanent ? 'E_PROBLEMS_FOUND' : 'E_UNREACHABLE', errorMessage(error));
      }
      return outcomes;
    },
    async close() {
      connection?.s3.client.destroy();
    },
  };
}
