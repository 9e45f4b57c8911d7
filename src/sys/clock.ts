import { sleep } from './sleep';

/**
 * Time as the delivery and tick decisions see it: passed in, so their rules
 * (backoff windows, budgets, give-up) are tested by moving a clock, not by waiting.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };
