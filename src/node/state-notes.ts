import fs from 'node:fs';
import { appendDurable, fileSize, readTextIfExists, writeFileAtomic } from '../sys/files';

/**
 * The reason given for each state change ("disk full", a failing script's
 * tail), kept on the node beside its statelog: the statelog's format is the
 * original's (state:tss;) and has no room for text. One JSON line per change
 * that had a note, in $NODEGRID_HOME/journal, never in the nodeinfo folder
 * (whose unlisted files are treated as secrets). Notes are already redacted
 * when they get here.
 */
export interface StateNote {
  readonly state: string;
  readonly tss: string;
  readonly note: string;
}

/** A note is at most 2,000 characters; JSON-escaped, a line stays well under this. */
const TAIL_BYTES = 32 * 1024;
/** Past this size the file is cut to its newest lines: a node flapping for months must not fill its disk. */
const MAX_BYTES = 512 * 1024;
const KEEP_LINES = 500;

/** Appends the note of one change, once: a roll-forward after a kill finds it already there. */
export function recordStateNote(file: string, entry: StateNote): void {
  const last = readTail(file).at(-1);
  if (last?.state === entry.state && last.tss === entry.tss) return;
  if (fileSize(file) > MAX_BYTES) {
    const kept = readAll(file).slice(-KEEP_LINES);
    writeFileAtomic(file, kept.map((note) => `${JSON.stringify(note)}\n`).join(''));
  }
  appendDurable(file, `${JSON.stringify({ state: entry.state, tss: entry.tss, note: entry.note })}\n`);
}

/** The note of the change that set `state` at `tss`, if it had one. */
export function noteOfChange(file: string, state: string | undefined, tss: string | undefined): string | undefined {
  if (state === undefined || tss === undefined) return undefined;
  const last = readTail(file).at(-1);
  return last?.state === state && last.tss === tss ? last.note : undefined;
}

/** Every kept note, oldest first, for `state log`. */
export function readAll(file: string): StateNote[] {
  return parseLines(readTextIfExists(file) ?? '');
}

function readTail(file: string): StateNote[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    // The first line of a cut tail may be partial: only whole lines count.
    return parseLines(length < size ? text.slice(text.indexOf('\n') + 1) : text);
  } finally {
    fs.closeSync(fd);
  }
}

/** A line a kill cut short, or one written by hand, is skipped: a note is worth less than the state it explains. */
function parseLines(text: string): StateNote[] {
  const notes: StateNote[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const note = stateNoteOf(line);
    if (note) notes.push(note);
  }
  return notes;
}

/**
 * Three strings, checked by hand rather than with a schema: a failing line is
 * skipped without a word, so a schema would only add zod to every `state set`
 * that has a note.
 */
function stateNoteOf(line: string): StateNote | undefined {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const { state, tss, note } = data as Record<string, unknown>;
  return typeof state === 'string' && typeof tss === 'string' && typeof note === 'string' ? { state, tss, note } : undefined;
}
