import { isValidDnaName, isValidInstanceId } from '../core/ids';
import { normalizeState } from '../core/lifecycle';
import { CURRENT_DIR, PRESENCE_FILETYPE, parsePresencePath } from '../core/presence-doc';
import { parseStateLog, type StateLogEntry } from '../core/statelog';
import { isTss } from '../core/time';
import type { PresenceSource } from './presence-source';

/**
 * Reads presence documents into typed node records. Tolerant of the original's
 * older documents (an extra "a": "a" key, missing optional keys, the "done"
 * state); a corrupt, oversized, symlinked or mislabelled file becomes a problem
 * for that file only, and every other node is still seen.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

export interface PresenceRecord {
  readonly id: string;
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
  readonly stacktype?: string | undefined;
  readonly initgitrepo?: string | undefined;
  /** Normalised ("done" reads as "initdone"). */
  readonly state?: string | undefined;
  readonly statetss?: string | undefined;
  readonly statelog: readonly StateLogEntry[];
  /** Other string values under "value" (hostname, privateIp, version, labels …). */
  readonly extra: Readonly<Record<string, string>>;
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
const KNOWN_KEYS = new Set<string>(['instance-id', 'state', 'statetss', 'statelog', ...IDENTITY_KEYS]);

/**
 * One document. `expectedId` is the id its file name claims: a document that
 * says it is another node is refused, or one node could overwrite another's view.
 */
export function parsePresenceDocument(text: string, file: string, expectedId?: string): ParsedDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) return { ok: false, problem: `larger than ${MAX_DOCUMENT_BYTES / 1024} KB` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message.slice(0, 120)})` };
  }
  if (!isObject(data)) return { ok: false, problem: 'not a JSON object' };
  if (data.filetype !== undefined && data.filetype !== PRESENCE_FILETYPE) return { ok: false, problem: `filetype is ${JSON.stringify(String(data.filetype).slice(0, 40))}, not "${PRESENCE_FILETYPE}"` };
  const value = data.value;
  if (!isObject(value)) return { ok: false, problem: 'has no "value" object' };
  const id = value['instance-id'];
  if (typeof id !== 'string' || !isValidInstanceId(id)) return { ok: false, problem: 'has no valid "instance-id"' };
  if (expectedId !== undefined && id !== expectedId) return { ok: false, problem: `says it is ${JSON.stringify(id)} but its file name says ${JSON.stringify(expectedId)}` };

  const warnings: string[] = [];
  const text_ = (key: string): string | undefined => {
    const raw = value[key];
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (typeof raw !== 'string') {
      warnings.push(`"${key}" is not a string; ignored`);
      return undefined;
    }
    return raw;
  };
  const identity: Record<string, string | undefined> = {};
  for (const key of IDENTITY_KEYS) {
    const raw = text_(key);
    if (raw !== undefined && !isValidDnaName(raw)) warnings.push(`"${key}" is not a valid name; ignored`);
    else identity[key] = raw;
  }
  const rawState = text_('state');
  const state = rawState === undefined ? undefined : normalizeState(rawState);
  const rawTss = text_('statetss');
  if (rawTss !== undefined && !isTss(rawTss)) warnings.push('"statetss" is not a YYYYMMDD-HHMMSS time; ignored');
  const { entries, malformed } = parseStateLog(text_('statelog') ?? '');
  if (malformed.length > 0) warnings.push(`statelog has ${malformed.length} malformed entr${malformed.length === 1 ? 'y' : 'ies'}`);

  const extra: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (KNOWN_KEYS.has(key)) continue;
    // The original wrote "a": "a" as a placeholder; it means nothing.
    if (key === 'a' && raw === 'a') continue;
    if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') extra[key] = String(raw);
    else warnings.push(`"${key.slice(0, 40)}" is not a plain value; ignored`);
  }
  return {
    ok: true,
    record: {
      id,
      ...identity,
      state,
      statetss: rawTss !== undefined && isTss(rawTss) ? rawTss : undefined,
      statelog: entries,
      extra,
      file,
      warnings,
    },
  };
}

/** Every current document (it/presence/all/*.json) of a source. */
export async function loadPresence(source: PresenceSource): Promise<PresenceSnapshot> {
  const problems: FileProblem[] = [];
  const wanted: Array<{ path: string; id: string }> = [];
  for (const entry of await source.list([CURRENT_DIR])) {
    const parsed = parsePresencePath(entry.path);
    if (!parsed || parsed.kind !== 'current') {
      if (entry.path.endsWith('.json')) problems.push({ file: entry.path, message: 'file name is not a valid instance id' });
      continue;
    }
    if (entry.kind === 'symlink') problems.push({ file: entry.path, message: 'is a symlink; not followed' });
    else if (entry.kind !== 'file') problems.push({ file: entry.path, message: 'is not a regular file' });
    else if (entry.size > MAX_DOCUMENT_BYTES) problems.push({ file: entry.path, message: `larger than ${MAX_DOCUMENT_BYTES / 1024} KB (${entry.size} bytes)` });
    else wanted.push({ path: entry.path, id: parsed.id });
  }
  const contents = await source.readMany(wanted.map((w) => w.path));
  const records: PresenceRecord[] = [];
  for (const { path, id } of wanted) {
    const bytes = contents.get(path);
    if (bytes === undefined) {
      problems.push({ file: path, message: 'could not be read' });
      continue;
    }
    const parsed = parsePresenceDocument(bytes.toString('utf8'), path, id);
    if (parsed.ok) records.push(parsed.record);
    else problems.push({ file: path, message: parsed.problem });
  }
  records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  problems.sort((a, b) => (a.file < b.file ? -1 : 1));
  return { source: source.description, records, problems };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
