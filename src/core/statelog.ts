import { isTss } from './time';
import { isValidStateName, normalizeState } from './lifecycle';

/**
 * The statelog, byte-compatible with the original: "setup:20151008-174646;initdone:20151008-174830;"
 * on one line, oldest first.
 */
export interface StateLogEntry {
  readonly state: string;
  readonly tss: string;
}

export function formatStateLogEntry(entry: StateLogEntry): string {
  return `${entry.state}:${entry.tss};`;
}

export function formatStateLog(entries: readonly StateLogEntry[]): string {
  return entries.map(formatStateLogEntry).join('');
}

/**
 * Parses leniently (whitespace, a missing final ";"); malformed pieces (a bad
 * time, a state that is not a state name: markup, control characters) are
 * reported, not fatal.
 */
export function parseStateLog(text: string): { entries: StateLogEntry[]; malformed: string[] } {
  const entries: StateLogEntry[] = [];
  const malformed: string[] = [];
  for (const piece of text.split(';')) {
    const trimmed = piece.trim();
    if (trimmed === '') continue;
    const colon = trimmed.lastIndexOf(':');
    const state = colon > 0 ? normalizeState(trimmed.slice(0, colon)) : '';
    const tss = colon > 0 ? trimmed.slice(colon + 1) : '';
    if (!isValidStateName(state) || !isTss(tss)) malformed.push(trimmed);
    else entries.push({ state, tss });
  }
  return { entries, malformed };
}

/**
 * The newest whole entries that fit in maxLength characters (EC2 tag values
 * hold 256): never a cut entry.
 */
export function newestEntriesWithin(entries: readonly StateLogEntry[], maxLength: number): string {
  let text = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const candidate = formatStateLogEntry(entries[i]!) + text;
    if (candidate.length > maxLength) break;
    text = candidate;
  }
  return text;
}
