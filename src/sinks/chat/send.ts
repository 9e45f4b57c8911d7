import path from 'node:path';
import type { ChatDestinationConfig } from '../../config/schema';
import { adapterFor } from './adapters';
import { postHttpRequest, type PostResult } from '../http-post';
import type { ChatMessage } from './message';
import { PostPace } from './ratelimit';
import { destinationLabel, destinationSecrets, minIntervalMs } from './destination';

/**
 * Posts one message to one destination at the destination's pace. Used by the
 * outbox sink, by `nodegrid chat test`, and by the monitor for grid digests.
 */
export interface SendOptions {
  /** $NODEGRID_HOME: the pace file lives in its chat/ folder. */
  readonly homeDir: string;
  readonly signal?: AbortSignal | undefined;
  /** Epoch ms; a pause that would end after it is reported instead of waited for. */
  readonly deadline?: number | undefined;
  readonly now?: () => number;
}

export async function sendChatMessage(destination: ChatDestinationConfig, message: ChatMessage, options: SendOptions): Promise<PostResult> {
  const now = options.now ?? Date.now;
  const label = destinationLabel(destination);
  const pace = new PostPace(path.join(options.homeDir, 'chat'), destination.name, minIntervalMs(destination));
  const wait = pace.waitMs(now());
  if (wait > 0) {
    if (options.deadline !== undefined && now() + wait > options.deadline - 50) {
      return { ok: false, waitMs: wait, failure: { message: `${label}: pacing posts, the next one may go out in ${(wait / 1000).toFixed(1)} s`, retryAfterMs: wait } };
    }
    await sleepUnlessAborted(wait, options.signal);
  }
  const request = adapterFor(destination.type).format(message, destination, new Date(now()));
  const remaining = options.deadline === undefined ? Infinity : Math.max(1, options.deadline - now());
  const result = await postHttpRequest(request, {
    timeoutMs: Math.min(destination.timeoutSeconds * 1000, remaining),
    signal: options.signal,
    label,
    secrets: destinationSecrets(destination),
  });
  if (result.status !== undefined) pace.recordPost(now(), result.waitMs ?? 0);
  return result;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
