/**
 * A rate limit as Opsgenie and ntfy document theirs: a bucket of `burst`
 * requests, one more every `refillMs` of the given clock (tests move the
 * clock instead of sleeping). Unlimited until `set` is called.
 */
export interface TokenBucket {
  /** A bucket of `burst`, full now; null lifts the limit. */
  set(limit: { burst: number; refillMs: number } | null): void;
  /** Takes one request's token; false when the bucket is empty. */
  take(): boolean;
}

export function tokenBucket(now: () => number): TokenBucket {
  let limit: { burst: number; refillMs: number } | null = null;
  let tokens = 0;
  let lastRefill = 0;
  return {
    set(next) {
      limit = next;
      tokens = next?.burst ?? 0;
      lastRefill = now();
    },
    take() {
      if (!limit) return true;
      const refills = Math.floor((now() - lastRefill) / limit.refillMs);
      if (refills > 0) {
        tokens = Math.min(limit.burst, tokens + refills);
        lastRefill += refills * limit.refillMs;
      }
      if (tokens <= 0) return false;
      tokens -= 1;
      return true;
    },
  };
}
