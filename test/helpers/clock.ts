import type { Clock } from '../../src/sys/clock';

export interface MovedClock extends Clock {
  advance(ms: number): void;
  /** Every sleep asked of it, in order. */
  readonly slept: number[];
}

/** A clock that only moves when a test tells it to, or when the code under test sleeps on it. */
export function movedClock(start: number): MovedClock {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    slept,
  };
}
