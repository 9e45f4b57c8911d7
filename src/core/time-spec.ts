import { parseTss } from './time';

/**
 * A time as an operator types it, for `at`, `--now` and `--since`:
 *
 *   now                          the clock
 *   -10m, 10m, 2h, 1h30m, 90s    that long ago (the sign is optional: a past is meant)
 *   "10 minutes ago", "2 h ago"  the same, in words
 *   2015-10-08T21:13:30Z         ISO, UTC unless a zone is given; the T may be a space
 *   2015-10-08T21:13             a minute without seconds (see `minute`)
 *   201510082113                 a flattime minute, as in presence's folders
 *   20151008-211330              a statetss
 *
 * Pure: the caller's clock is `now`, so one command reads every time against
 * one moment and tests need no fake timers.
 */
export interface TimeSpecOptions {
  readonly now: Date;
  /**
   * What a minute without seconds means: its first second ('start', for
   * `--now` and `--since`) or the whole minute up to its last second ('end',
   * for `at`, whose question is "who beat in that minute").
   */
  readonly minute?: 'start' | 'end';
}

/** What a time may look like, for error messages and --help. */
export const TIME_SPEC_EXAMPLES = 'now, -10m, 2h, "10 minutes ago", 2015-10-08T21:13:30Z or 201510082113';

const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((unit) => [unit, 1] as const),
  ...['m', 'min', 'mins', 'minute', 'minutes'].map((unit) => [unit, 60] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((unit) => [unit, 3600] as const),
  ...['d', 'day', 'days'].map((unit) => [unit, 86_400] as const),
  ...['w', 'week', 'weeks'].map((unit) => [unit, 604_800] as const),
]);

/** "1h30m", "10 minutes", "2 h 5 min": parts of a number and a unit each. */
const SPAN = /^(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+$/;
const SPAN_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** The time meant, or undefined when the text is none of the forms above. */
export function parseTimeSpec(text: string, options: TimeSpecOptions): Date | undefined {
  const spec = text.trim().toLowerCase();
  const { now } = options;
  if (spec === 'now') return new Date(now.getTime());

  const ago = /^(.*?)\s*ago$/.exec(spec)?.[1];
  const span = ago ?? spec.replace(/^-\s*/, '');
  if (SPAN.test(span)) {
    const seconds = spanSeconds(span);
    return seconds === undefined ? undefined : new Date(now.getTime() - seconds * 1000);
  }

  if (/^\d{12}$/.test(spec)) {
    const start = parseTss(`${spec.slice(0, 8)}-${spec.slice(8)}00`);
    return start && minuteBound(start, options);
  }
  if (/^\d{8}-\d{6}$/.test(spec)) return parseTss(spec);

  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const zone = m[4] === undefined ? 'Z' : m[4].toUpperCase() === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  // Date rolls 2015-02-30 over to March; a person who typed it meant no such day.
  if (!parseTss(`${m[1]!.replaceAll('-', '')}-${m[2]!.replace(':', '')}00`)) return undefined;
  const date = new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}${zone}`);
  if (Number.isNaN(date.getTime())) return undefined;
  return m[3] === undefined ? minuteBound(date, options) : date;
}

function spanSeconds(span: string): number | undefined {
  let seconds = 0;
  for (const [, amount, unit] of span.matchAll(SPAN_PART)) {
    const unitSeconds = UNIT_SECONDS.get(unit!);
    if (unitSeconds === undefined) return undefined;
    seconds += Number(amount) * unitSeconds;
  }
  return seconds;
}

function minuteBound(start: Date, options: TimeSpecOptions): Date {
  return options.minute === 'end' ? new Date(start.getTime() + 59_000) : start;
}

/** For --since: a statetss that cannot be read is kept, so a filter hides only what it knows to be older. */
export function tssAtOrAfter(tss: string, since: Date): boolean {
  const at = parseTss(tss);
  return at === undefined || at.getTime() >= since.getTime();
}
