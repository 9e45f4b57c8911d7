import { describe, expect, it } from 'vitest';
import { formatStateLog, newestEntriesWithin, parseStateLog } from '../../src/core/statelog';
import { flattimeDatePath, formatTss, parseDuration, parseTss } from '../../src/core/time';

describe('the statelog', () => {
  it('round-trips the original format byte for byte', () => {
    const text = 'setup:20151008-174646;initdone:20151008-174830;';
    const { entries, malformed } = parseStateLog(text);
    expect(malformed).toEqual([]);
    expect(entries).toEqual([
      { state: 'setup', tss: '20151008-174646' },
      { state: 'initdone', tss: '20151008-174830' },
    ]);
    expect(formatStateLog(entries)).toBe(text);
  });

  it('reports malformed pieces without losing the good ones, and reads "done" as initdone', () => {
    const { entries, malformed } = parseStateLog('setup:20151008-174646;garbage;done:20151008-174830');
    expect(entries.map((e) => e.state)).toEqual(['setup', 'initdone']);
    expect(malformed).toEqual(['garbage']);
  });

  it('keeps the newest whole entries that fit a 256-character tag value', () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ state: i % 2 ? 'running' : 'draining', tss: `201510${String(10 + (i % 18)).padStart(2, '0')}-174646` }));
    const kept = newestEntriesWithin(entries, 256);
    expect(kept.length).toBeLessThanOrEqual(256);
    expect(kept.endsWith(`${entries.at(-1)!.state}:${entries.at(-1)!.tss};`)).toBe(true);
    const parsed = parseStateLog(kept);
    expect(parsed.malformed).toEqual([]);
    expect(parsed.entries).toEqual(entries.slice(-parsed.entries.length));
    // One more entry would not have fit.
    expect(formatStateLog(entries.slice(-(parsed.entries.length + 1))).length).toBeGreaterThan(256);
  });
});

describe('time formats', () => {
  it('formats statetss and flattime in UTC', () => {
    const date = new Date(Date.UTC(2015, 9, 8, 21, 13, 5));
    expect(formatTss(date)).toBe('20151008-211305');
    expect(flattimeDatePath(date)).toBe('2015/10/08/21/201510082113');
    expect(parseTss('20151008-211305')?.toISOString()).toBe('2015-10-08T21:13:05.000Z');
    expect(parseTss('20151332-000000')).toBeUndefined();
  });

  it('parses durations with units', () => {
    expect(parseDuration('90s', 's')).toBe(90_000);
    expect(parseDuration('3m', 's')).toBe(180_000);
    expect(parseDuration('1h', 'm')).toBe(3_600_000);
    expect(parseDuration(2, 'm')).toBe(120_000);
    expect(parseDuration('soon', 's')).toBeUndefined();
  });
});
