import { setTimeout as wait } from 'node:timers/promises';

/**
 * Resolves after `ms`, or as soon as `signal` aborts: callers that sleep
 * between attempts check their own deadline afterwards, so an abort is not an error.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (!(signal?.aborted && error instanceof Error && error.name === 'AbortError')) throw error;
  }
}
