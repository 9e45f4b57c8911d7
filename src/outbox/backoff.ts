/**
 * Exponential backoff with full jitter: many nodes that failed together
 * (a git host outage) do not come back in the same second.
 */
export function nextDelayMs(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
