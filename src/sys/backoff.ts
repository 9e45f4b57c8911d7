/**
 * The one backoff rule: the delay before attempt `attempt + 1` grows from
 * `baseMs` by doubling up to `maxMs`, with jitter so that many nodes that
 * failed together (a git host outage, a burst of pushes) do not come back in
 * the same instant.
 *
 * - `full` jitter (anywhere in 0..ceiling) spreads colliding writers the most:
 *   it is for races, where the next try should rarely meet the same rival.
 * - `equal` jitter (ceiling/2..ceiling) keeps a floor: it is for outages,
 *   where coming back too soon only costs another failure.
 */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: 'full' | 'equal';
}

export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(backoff.jitter === 'full' ? random() * ceiling : ceiling / 2 + (random() * ceiling) / 2);
}
