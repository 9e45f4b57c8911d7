/**
 * The original's time formats: statetss "YYYYMMDD-HHMMSS" and flattime minute
 * "YYYYMMDDHHMM", always UTC, so every node of one minute shares a folder.
 */
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatTss(date: Date): string {
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}

/**
 * "YYYYMMDD-HHMMSS" with a real date and time (not 20151332-…, which Date
 * would roll over). By character codes, without a Date: every statelog entry
 * of every document a reader loads is checked.
 */
export function isTss(value: string): boolean {
  if (value.length !== 15 || value.charCodeAt(8) !== 45 /* - */) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 4, 2);
  const day = digitsAt(value, 6, 2);
  return (
    year >= 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    inRange(digitsAt(value, 9, 2), 23) &&
    inRange(digitsAt(value, 11, 2), 59) &&
    inRange(digitsAt(value, 13, 2), 59)
  );
}

export function parseTss(value: string): Date | undefined {
  if (!isTss(value)) return undefined;
  const at = (from: number, width: number): number => digitsAt(value, from, width);
  const date = new Date(Date.UTC(at(0, 4), at(4, 2) - 1, at(6, 2), at(9, 2), at(11, 2), at(13, 2)));
  // Date.UTC reads years 0-99 as 1900-1999: the year written is the year meant.
  if (at(0, 4) < 100) date.setUTCFullYear(at(0, 4));
  return date;
}

/**
 * A flattime minute ("201510082113" -> 2015-10-08T21:13:00Z) as the time it starts; undefined unless
 * twelve digits. Read like parseTss, by character codes: a grid read turns
 * every node's latest beat into a time.
 */
export function flattimeMinuteStart(minute: string): Date | undefined {
  if (minute.length !== 12) return undefined;
  const year = digitsAt(minute, 0, 4);
  const month = digitsAt(minute, 4, 2);
  const day = digitsAt(minute, 6, 2);
  const hour = digitsAt(minute, 8, 2);
  const min = digitsAt(minute, 10, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || min < 0) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, min));
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

/** The number written by `width` ASCII digits at `from`; -1 when any is not a digit. */
function digitsAt(text: string, from: number, width: number): number {
  let n = 0;
  for (let i = from; i < from + width; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1; // NaN past the end too
    n = n * 10 + digit;
  }
  return n;
}

function inRange(n: number, max: number): boolean {
  return n >= 0 && n <= max;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * A span for people: "45 s", "3 min", "2 h 5 min", "3 d 4 h". Two units at
 * most: an operator reading "stale for 2 h 5 min" does not need the seconds.
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/**
 * A limit for people ("timed out after 300 ms", "… after 1.5 s", "… after 10 min"):
 * below a second in ms, so a sub-second timeout (what is left of a short --wait)
 * never reads "0 s"; whole minutes as minutes; anything else in seconds, at most
 * one decimal. Unlike formatDuration it never rounds a limit away.
 */
export function formatTimeout(ms: number): string {
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value} ms`;
  if (value % 60_000 === 0) return formatDuration(value);
  return `${Number((value / 1000).toFixed(1))} s`;
}

/** "2015-10-08 17:48:30 UTC", for people. */
export function humanTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/**
 * How long and since when, for people: "3 min (since 18:41:17 UTC)", with the
 * date when it was not today ("2 d 4 h (since 2015-10-06 17:48:30 UTC)").
 */
export function durationSince(start: Date, now: Date): string {
  const sameDay = start.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  const at = sameDay ? `${start.toISOString().slice(11, 19)} UTC` : humanTime(start);
  return `${formatDuration(now.getTime() - start.getTime())} (since ${at})`;
}

/** "2015-10-08T17:48:30Z", for log lines. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function flattimeMinute(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}`;
}

/** "2015/10/08/21/201510082113": the flattime folder of one UTC minute. */
export function flattimeDatePath(date: Date): string {
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCHours())}/${flattimeMinute(date)}`;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "3m", "1h", "250ms", or a bare number in the given default unit. */
export function parseDuration(value: string | number, defaultUnit: keyof typeof UNIT_MS): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * UNIT_MS[defaultUnit] : undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? defaultUnit) as keyof typeof UNIT_MS;
  return Number(m[1]) * UNIT_MS[unit];
}

/** "20261203T071500Z": a UTC second, sortable, safe in a file name (request and silence ids start with it). */
export function compactUtcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
