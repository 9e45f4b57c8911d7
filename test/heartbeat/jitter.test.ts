import { describe, expect, it } from 'vitest';
import { stableJitterMs } from '../../src/heartbeat/jitter';

describe('stable heartbeat jitter', () => {
  it('is the same for a node every time, within the window, and zero without one', () => {
    expect(stableJitterMs('i-4e7cb59a', 50)).toBe(stableJitterMs('i-4e7cb59a', 50));
    expect(stableJitterMs('i-4e7cb59a', 0)).toBe(0);
    for (const id of ['a', 'i-0', 'i-ffffffffffffffff', 'node-999']) {
      const ms = stableJitterMs(id, 50);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(50_000);
    }
  });

  it('spreads ids that differ only in their last characters over the whole window', () => {
    // Sequential names (node-000 … node-099) once all landed within a few seconds of each other.
    const offsets = Array.from({ length: 100 }, (_, i) => stableJitterMs(`node-${String(i).padStart(3, '0')}`, 60)).sort((a, b) => a - b);
    const tenths = new Set(offsets.map((ms) => Math.floor(ms / 6000)));
    expect(tenths.size).toBe(10);
    const gaps = offsets.slice(1).map((ms, i) => ms - offsets[i]!);
    expect(Math.max(...gaps)).toBeLessThan(6000);
  });
});
