import { describe, expect, it } from 'vitest';
import { formatTimeout } from '../../src/core/time';

describe('a timeout for people', () => {
  it('is in ms below a second, so what is left of a short budget never reads "0 s"', () => {
    expect([0, 1, 250, 499.6, 999].map(formatTimeout)).toEqual(['0 ms', '1 ms', '250 ms', '500 ms', '999 ms']);
  });

  it('is in seconds, one decimal at most, up to whole minutes, which read as minutes', () => {
    expect([1000, 1500, 1234, 20_000, 90_000, 600_000, 5_400_000].map(formatTimeout)).toEqual(['1 s', '1.5 s', '1.2 s', '20 s', '90 s', '10 min', '1 h 30 min']);
  });
});
