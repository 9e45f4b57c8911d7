import type { NodeIdentity } from '../core/event';
import { isValidDnaName } from '../core/ids';
import { isValidStateName, normalizeState } from '../core/lifecycle';
import { parseJsonWith } from '../core/parse-json';
import { isLabelKey, isLabelValue, MAX_LABELS, sortedLabels, type Labels } from '../core/labels';
import { acceptPlainPresenceDocument, CURRENT_DIR, currentDocumentPath, LABELS_KEY, MAX_DOCUMENT_BYTES, NOTE_KEY, parsePresencePath, presenceDocumentSchema } from './format';
import { MAX_NOTE_CHARS } from '../core/event';
import { parseStateLog, type StateLogEntry } from '../core/statelog';
import { isTss } from '../core/time';
import { readEach, type PresenceSource, type SourceEntry } from './source';

/**
 * Reads presence documents into typed node records. Tolerant of the original's
 * older documents (an extra "a": "a" key, missing optional keys, the "done"
 * state); a corrupt, oversized, symlinked or mislabelled file becomes a problem
 * for that file only, and every other node is still seen.
 */
export interface PresenceRecord extends NodeIdentity {
  /** Normalised ("done" reads as "initdone"). */
  readonly state?: string | undefined;
  readonly statetss?: string | undefined;
  readonly statelog: readonly StateLogEntry[];
  /** The reason given for the current state (`state set --note`), as printable text. */
  readonly note?: string | undefined;
  /** Other string values under "value" (hostname, privateIp, version …). */
  readonly extra: Readonly<Record<string, string>>;
  /** The node's labels ("value.labels"); empty when it has none. */
  readonly labels: Labels;
  /** The path it was read from, repository-relative. */
  readonly file: string;
  /** Things wrong with an otherwise usable document (a malformed statelog entry …). */
  readonly warnings: readonly string[];
}

export interface FileProblem {
  readonly file: string;
  readonly message: string;
}

export interface PresenceSnapshot {
  readonly source: string;
  /** Sorted by id. */
  readonly records: readonly PresenceRecord[];
  readonly problems: readonly FileProblem[];
}

export type ParsedDocument = { ok: true; record: PresenceRecord } | { ok: false; problem: string };

const IDENTITY_KEYS = ['deployment', 'nodepart', 'stacktype', 'initgitrepo'] as const;
const KNOWN_KEYS = new Set<string>(['instance-id', 'state', 'statetss', 'statelog', NOTE_KEY, LABELS_KEY, ...IDENTITY_KEYS]);

/**
 * One document. `expectedId` is the id its file name claims: a document that
 * says it is another node is refused, or one node could overwrite another's view.
 * The shape is the schema's (presence/format.ts); what is left here is what a
 * schema cannot say: names and times that are wrong but harmless are dropped
 * with a warning, so the node is still seen.
 */
export function parsePresenceDocument(text: string, file: string, expectedId?: string): ParsedDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) return { ok: false, problem: `larger than ${MAX_DOCUMENT_BYTES / 1024} KB` };
  const parsed = parseJsonWith(presenceDocumentSchema, text, acceptPlainPresenceDocument);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  const { value } = parsed.value;
  const id = value['instance-id'];
  if (expectedId !== undefined && id !== expectedId) return { ok: false, problem: `says it is ${JSON.stringify(id)} but its file name says ${JSON.stringify(expectedId)}` };

  const warnings: string[] = [];
  // Every identity key is present, undefined when the document has no valid value (readers spread it as is).
  const identity: Partial<Record<(typeof IDENTITY_KEYS)[number], string | undefined>> = {};
  for (const key of IDENTITY_KEYS) {
    const raw = value[key] || undefined;
    if (raw !== undefined && !isValidDnaName(raw)) warnings.push(`"${key}" is not a valid name; ignored`);
    else identity[key] = raw;
  }
  // Any valid name is kept as text, known to this lifecycle or not; it is never looked up as a key of an object.
  const rawState = value.state ? normalizeState(value.state) : undefined;
  if (rawState !== undefined && !isValidStateName(rawState)) warnings.push('"state" is not a valid state name; ignored');
  const state = rawState !== undefined && isValidStateName(rawState) ? rawState : undefined;
  const rawTss = value.statetss || undefined;
  const statetss = rawTss !== undefined && isTss(rawTss) ? rawTss : undefined;
  if (rawTss !== undefined && statetss === undefined) warnings.push('"statetss" is not a YYYYMMDD-HHMMSS time; ignored');
  const { entries, malformed } = parseStateLog(value.statelog ?? '');
  if (malformed.length > 0) warnings.push(`statelog has ${malformed.length} malformed entr${malformed.length === 1 ? 'y' : 'ies'}`);

  const note = value.note ? printableNote(value.note) : undefined;
  if (note !== undefined && note !== value.note) warnings.push('"note" held control characters or was too long; shown cleaned');

  const extra: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (KNOWN_KEYS.has(key)) continue;
    // The original wrote "a": "a" as a placeholder; it means nothing.
    if (key === 'a' && raw === 'a') continue;
    if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') extra[key] = String(raw);
    else warnings.push(`"${key.slice(0, 40)}" is not a plain value; ignored`);
  }
  const labels = readLabels(value[LABELS_KEY], warnings);
  return {
    ok: true,
    record: {
      id,
      ...identity,
      state,
      statetss,
      statelog: entries,
      ...(note ? { note } : {}),
      extra,
      labels,
      file,
      warnings,
    },
  };
}

/**
 * "value.labels" as another node wrote it: an object of label keys to label
 * values. Anything else is dropped with a warning, the rest of the document
 * still read; a hostile key never reaches a prototype (the result is built
 * from checked names only).
 */
function readLabels(raw: unknown, warnings: string[]): Labels {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    warnings.push('"labels" is not an object of key=value labels; ignored');
    return {};
  }
  const labels: Record<string, string> = {};
  let dropped = 0;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (Object.keys(labels).length < MAX_LABELS && typeof value === 'string' && isLabelKey(key) && isLabelValue(value)) labels[key] = value;
    else dropped++;
  }
  if (dropped > 0) warnings.push(`${dropped} label${dropped === 1 ? ' was' : 's were'} not a valid key=value (or over ${MAX_LABELS}); ignored`);
  return sortedLabels(labels);
}

/**
 * A note comes from another node's document and is printed on terminals and
 * pages: control characters (escape sequences) become U+FFFD, lines and tabs
 * stay, and it is cut at the length a writer may send.
 */
export function printableNote(text: string): string {
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
  return clean.length > MAX_NOTE_CHARS ? `${clean.slice(0, MAX_NOTE_CHARS)}…` : clean;
}

/** Every current document (it/presence/all/*.json) of a source. */
export async function loadPresence(source: PresenceSource): Promise<PresenceSnapshot> {
  const problems: FileProblem[] = [];
  const wanted: Array<{ path: string; id: string }> = [];
  for (const entry of await source.list([CURRENT_DIR])) {
    const parsed = parsePresencePath(entry.path);
    if (parsed?.kind !== 'current') {
      if (entry.path.endsWith('.json')) problems.push({ file: entry.path, message: 'file name is not a valid instance id' });
      continue;
    }
    const refused = refuseEntry(entry);
    if (refused !== undefined) problems.push({ file: entry.path, message: refused });
    else wanted.push({ path: entry.path, id: parsed.id });
  }
  const records: PresenceRecord[] = [];
  let next = 0;
  // Parsed as read: only the records are kept, never 10,000 files' bytes at once.
  await readEach(
    source,
    wanted.map((w) => w.path),
    (path, bytes) => {
      const parsed = parseRead(bytes, path, wanted[next++]!.id);
      if (parsed.ok) records.push(parsed.record);
      else problems.push({ file: path, message: parsed.problem });
    },
  );
  records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  problems.sort((a, b) => (a.file < b.file ? -1 : 1));
  return { source: source.description, records, problems };
}

/**
 * One node's current document (`presence show`), under the same rules as
 * loadPresence: listed first, so an oversized or symlinked file is refused
 * from its listing and never read whole. A bucket lists folders, not single
 * keys; there the read itself is bounded. Undefined when there is no such file.
 */
export async function loadOneDocument(source: PresenceSource, id: string): Promise<ParsedDocument | undefined> {
  const file = currentDocumentPath(id);
  const entry = (await source.list([file])).find((e) => e.path === file);
  const refused = entry === undefined ? undefined : refuseEntry(entry);
  if (refused !== undefined) return { ok: false, problem: refused };
  const bytes = (await source.readMany([file])).get(file);
  if (bytes === undefined && entry === undefined) return undefined;
  return parseRead(bytes, file, id);
}

/** Why a listed file is not read at all, or undefined to read it. */
function refuseEntry(entry: SourceEntry): string | undefined {
  if (entry.kind === 'symlink') return 'is a symlink; not followed';
  if (entry.kind !== 'file') return 'is not a regular file';
  if (entry.size > MAX_DOCUMENT_BYTES) return `larger than ${MAX_DOCUMENT_BYTES / 1024} KB (${entry.size} bytes)`;
  return undefined;
}

function parseRead(bytes: Buffer | undefined, file: string, id: string): ParsedDocument {
  if (bytes === undefined) return { ok: false, problem: 'could not be read' };
  return parsePresenceDocument(bytes.toString('utf8'), file, id);
}
