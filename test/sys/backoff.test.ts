import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/sys/backoff';

describe('the one backoff rule', () => {
  const outage = { baseMs: 1000, maxMs: 8000, jitter: 'equal' } as const;
  const race = { baseMs: 50, maxMs: 2000, jitter: 'full' } as const;

  it('doubles from the base up to the cap', () => {
    const top = (attempt: number, backoff: typeof outage | typeof race): number => backoffDelayMs(attempt, backoff, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((attempt) => top(attempt, outage))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect([1, 2, 6, 7, 50].map((attempt) => top(attempt, race))).toEqual([50, 100, 1600, 2000, 2000]);
    expect(top(Infinity, race)).toBe(2000);
  });

  it('keeps half the ceiling as a floor for outages, and spreads races over all of it', () => {
    expect(backoffDelayMs(3, outage, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, race, () => 0)).toBe(0);
    const spread = new Set(Array.from({ length: 200 }, () => backoffDelayMs(10, race)));
    expect(Math.min(...spread)).toBeLessThan(500);
    expect(Math.max(...spread)).toBeGreaterThan(1500);
  });
});
