/**
 * Resolves after `ms`, or as soon as `signal` aborts: callers that sleep
 * between attempts check their own deadline afterwards, so an abort is not an
 * error. (Plain setTimeout rather than node:timers/promises, which every
 * command would otherwise load at start.)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
