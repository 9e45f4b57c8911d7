import { describe, expect, it } from 'vitest';
import { parseTimeSpec, tssAtOrAfter } from '../../src/core/time-spec';

const now = new Date('2015-10-08T21:13:30Z');
const at = (text: string, minute?: 'start' | 'end') => parseTimeSpec(text, { now, ...(minute ? { minute } : {}) })?.toISOString();

describe('times as operators type them', () => {
  it('reads now and spans back from now, signed or not, in letters or words', () => {
    expect(at('now')).toBe('2015-10-08T21:13:30.000Z');
    expect(at(' NOW ')).toBe('2015-10-08T21:13:30.000Z');
    expect(at('-10m')).toBe('2015-10-08T21:03:30.000Z');
    expect(at('10m')).toBe('2015-10-08T21:03:30.000Z');
    expect(at('2h')).toBe('2015-10-08T19:13:30.000Z');
    expect(at('1h30m')).toBe('2015-10-08T19:43:30.000Z');
    expect(at('90s')).toBe('2015-10-08T21:12:00.000Z');
    expect(at('1d')).toBe('2015-10-07T21:13:30.000Z');
    expect(at('10 minutes ago')).toBe('2015-10-08T21:03:30.000Z');
    expect(at('1 hour ago')).toBe('2015-10-08T20:13:30.000Z');
    expect(at('2 h 5 min ago')).toBe('2015-10-08T19:08:30.000Z');
    expect(at('- 5 min')).toBe('2015-10-08T21:08:30.000Z');
  });

  it('reads ISO times as UTC unless a zone is given, with a minute meaning its start or its whole', () => {
    expect(at('2015-10-08T21:13:05Z')).toBe('2015-10-08T21:13:05.000Z');
    expect(at('2015-10-08 21:13:05')).toBe('2015-10-08T21:13:05.000Z');
    expect(at('2015-10-08t21:13:05.250z')).toBe('2015-10-08T21:13:05.250Z');
    expect(at('2015-10-08T23:13:05+02:00')).toBe('2015-10-08T21:13:05.000Z');
    expect(at('2015-10-08T23:13:05+0200')).toBe('2015-10-08T21:13:05.000Z');
    expect(at('2015-10-08T21:13')).toBe('2015-10-08T21:13:00.000Z');
    expect(at('2015-10-08T21:13', 'end')).toBe('2015-10-08T21:13:59.000Z');
    expect(at('201510082113', 'end')).toBe('2015-10-08T21:13:59.000Z');
    expect(at('201510082113')).toBe('2015-10-08T21:13:00.000Z');
    expect(at('20151008-211305')).toBe('2015-10-08T21:13:05.000Z');
  });

  it('refuses what is none of those, including days the calendar does not have', () => {
    for (const text of ['', 'ago', 'yesterday', '10 parsecs ago', '+10m', '10', '2015-02-30T10:00', '2015-02-30T10:00:00+01:00', '2015-13-01T10:00', '2015-10-08T25:00', '201513082113', '2015-10-08', 'now-10m']) {
      expect(at(text), text).toBeUndefined();
    }
  });

  it('keeps a statetss it cannot read when filtering by --since', () => {
    const since = new Date('2015-10-08T21:00:00Z');
    expect(tssAtOrAfter('20151008-210000', since)).toBe(true);
    expect(tssAtOrAfter('20151008-205959', since)).toBe(false);
    expect(tssAtOrAfter('garbage', since)).toBe(true);
  });
});
