import * as z from 'zod/mini';
import { reasonOf, type NodeEvent } from '../core/event';
import { assertInstanceId, isValidInstanceId } from '../core/ids';
import { isLabelKey, isLabelValue, sortedLabels, type Labels } from '../core/labels';
import { looksLikeSecret } from '../core/secrets';
import { flattimeDatePath, formatTss } from '../core/time';

/**
 * The presence formats of SPEC §5, byte-compatible with the original (Python's
 * json.dumps(indent=4, sort_keys=True) plus a newline), and the path rules of
 * the presence repository. Pure: no I/O.
 */
export const PRESENCE_FILETYPE = 'nodepresence';
export const CURRENT_DIR = 'it/presence/all';
export const FLATTIME_DIR = 'it/presence/flattime';
/** S3 backend only: one object per state change, since a bucket keeps no history of its own. */
export const HISTORY_DIR = 'it/presence/history';

export type PresenceValue = Record<string, string>;

/**
 * The one size bound of a presence document, for writers and every reader
 * (folder, git, bucket, `presence show`): a node's document is a few hundred
 * bytes, so anything this large is a mistake or an attack and is refused
 * without being read whole.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/** The reason given for the current state (`state set --note`), when there was one. */
export const NOTE_KEY = 'note';
/** The node's labels, one object of text values; only in documents of nodes that have labels. */
export const LABELS_KEY = 'labels';

/** A named key: text, as the original wrote it; null or "" read as absent. */
const optionalText = z.optional(z.nullable(z.string()));

/**
 * What a reader accepts as a presence document. The named keys are text; any
 * other key under "value" is an extra field (hostname, labels …) that the
 * reader keeps only if it is a plain value. Older documents stay readable: no
 * "filetype", missing optional keys, an extra "a": "a". A "__proto__" key is
 * dropped by the parse, never merged into the result's prototype.
 */
export const presenceDocumentSchema = z.object({
  filetype: z.optional(z.literal(PRESENCE_FILETYPE)),
  value: z.catchall(
    z.object({
      'instance-id': z.string().check(z.refine(isValidInstanceId, 'not a valid instance id')),
      deployment: optionalText,
      nodepart: optionalText,
      stacktype: optionalText,
      initgitrepo: optionalText,
      state: optionalText,
      statetss: optionalText,
      statelog: optionalText,
      note: optionalText,
    }),
    z.unknown(),
  ),
});

export type PresenceDocument = z.infer<typeof presenceDocumentSchema>;

const NAMED_TEXT_KEYS = ['deployment', 'nodepart', 'stacktype', 'initgitrepo', 'state', 'statetss', 'statelog', 'note'] as const;

/**
 * The common case of presenceDocumentSchema, checked by hand: a document as
 * writers write it, returned as parsed. Anything it does not accept (a wrong
 * type, a "__proto__" key, a missing id) goes to the schema, which decides and
 * says what is wrong; it accepts nothing the schema refuses (a test holds the
 * two together). A grid of 10,000 nodes is 10,000 documents per read, and the
 * schema's generic walk was a tenth of `nodes`.
 */
export function acceptPlainPresenceDocument(data: unknown): PresenceDocument | undefined {
  if (!isPlainObject(data)) return undefined;
  if (data.filetype !== undefined && data.filetype !== PRESENCE_FILETYPE) return undefined;
  const value = data.value;
  if (!isPlainObject(value) || Object.hasOwn(value, '__proto__')) return undefined;
  const id = value['instance-id'];
  if (typeof id !== 'string' || !isValidInstanceId(id)) return undefined;
  for (const key of NAMED_TEXT_KEYS) {
    const text = value[key];
    if (text !== undefined && text !== null && typeof text !== 'string') return undefined;
  }
  return data as PresenceDocument;
}

function isPlainObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && Object.getPrototypeOf(data) === Object.prototype;
}

/** `it/presence/all/<id>.json`; the id is validated before it becomes a path. */
export function currentDocumentPath(id: string): string {
  return `${CURRENT_DIR}/${assertInstanceId(id)}.json`;
}

/** `it/presence/flattime/2015/10/08/21/201510082113/all/<id>.json` (UTC minute). */
export function heartbeatPath(id: string, at: Date): string {
  return `${FLATTIME_DIR}/${flattimeDatePath(at)}/all/${assertInstanceId(id)}.json`;
}

/** `it/presence/history/<id>/000000000042.json`: zero-padded, so listing order is sequence order. */
export function historyDocumentPath(id: string, seq: number): string {
  return `${HISTORY_DIR}/${assertInstanceId(id)}/${String(seq).padStart(12, '0')}.json`;
}

/** The folder of one flattime minute ("201510082113"), or undefined for a malformed minute. */
export function flattimeMinuteDir(minute: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(minute);
  if (!m) return undefined;
  return `${FLATTIME_DIR}/${m[1]}/${m[2]}/${m[3]}/${m[4]}/${minute}/all`;
}

export type PresencePath = { kind: 'current'; id: string } | { kind: 'beat'; id: string; minute: string };

const CURRENT_PREFIX = `${CURRENT_DIR}/`;
const FLATTIME_PREFIX = `${FLATTIME_DIR}/`;
/** What follows FLATTIME_PREFIX up to the id: "2015/10/08/21/201510082113/all/" (9 = a digit). */
const BEAT_FOLDERS = '9999/99/99/99/999999999999/all/';
/** Where each folder's digits sit in BEAT_FOLDERS, and where the minute repeats them. */
const MINUTE_AGREES = [
  [0, 14, 4],
  [5, 18, 2],
  [8, 20, 2],
  [11, 22, 2],
] as const;

/**
 * What a path in the presence repository holds; undefined for anything else
 * (README, a stray file). "it/presence/all/<id>.json" is a current document,
 * "it/presence/flattime/YYYY/MM/DD/HH/YYYYMMDDHHMM/all/<id>.json" a beat.
 * Read character by character rather than with a regular expression: a big
 * grid lists 40,000 paths per read, and this showed at the top of profiles.
 */
export function parsePresencePath(path: string): PresencePath | undefined {
  if (!path.endsWith('.json')) return undefined;
  if (path.startsWith(CURRENT_PREFIX)) {
    // A valid id holds no "/": nothing in a subfolder is taken for a document.
    const id = path.slice(CURRENT_PREFIX.length, -'.json'.length);
    return isValidInstanceId(id) ? { kind: 'current', id } : undefined;
  }
  if (!path.startsWith(FLATTIME_PREFIX)) return undefined;
  const at = FLATTIME_PREFIX.length;
  for (let i = 0; i < BEAT_FOLDERS.length; i++) {
    const want = BEAT_FOLDERS.charCodeAt(i);
    const got = path.charCodeAt(at + i);
    if (want === 57 ? got < 48 || got > 57 : got !== want) return undefined;
  }
  // The folders must agree with the minute, or the same beat could be listed twice.
  for (const [folder, inMinute, width] of MINUTE_AGREES) {
    for (let i = 0; i < width; i++) if (path.charCodeAt(at + folder + i) !== path.charCodeAt(at + inMinute + i)) return undefined;
  }
  const id = path.slice(at + BEAT_FOLDERS.length, -'.json'.length);
  return isValidInstanceId(id) ? { kind: 'beat', id, minute: path.slice(at + 14, at + 26) } : undefined;
}

/**
 * The document's "value" as of an event: identity, state, statetss, statelog and
 * the allow-listed extra fields. A value that looks like a key or token is left
 * out and named in `refused`, so the caller can warn.
 */
/** In a flattime document of a sub-minute beat: the beat's own time (statetss format). */
export const BEAT_TIME_KEY = 'heartbeat';

export function presenceValueOf(event: NodeEvent): { value: PresenceValue; labels: Labels | undefined; refused: string[] } {
  const value: PresenceValue = { 'instance-id': event.node.id };
  const refused: string[] = [];
  const put = (key: string, raw: string | null | undefined): void => {
    if (raw === undefined || raw === null || raw === '' || key in value) return;
    if (looksLikeSecret(raw)) refused.push(key);
    else value[key] = raw;
  };
  put('deployment', event.node.deployment);
  put('nodepart', event.node.nodepart);
  put('stacktype', event.node.stacktype);
  put('initgitrepo', event.node.initgitrepo);
  put('state', event.state);
  put('statetss', event.statetss);
  // Only when there is one: documents of changes without a note stay byte-identical to the original's.
  put(NOTE_KEY, reasonOf(event));
  // The original always wrote a statelog, even an empty one.
  value.statelog = event.statelog;
  for (const [key, raw] of Object.entries(event.fields ?? {})) {
    if (key !== LABELS_KEY) put(key, raw);
  }
  return { value, labels: documentLabels(event, refused), refused };
}

/**
 * The event's labels as the document carries them: only valid ones (an event
 * from an older outbox file is read back, not trusted) and none that looks
 * like a secret; undefined when none is left, so the document of a node
 * without labels stays byte-identical to the original's.
 */
function documentLabels(event: NodeEvent, refused: string[]): Labels | undefined {
  const labels: Record<string, string> = {};
  for (const [key, raw] of Object.entries(event.labels ?? {})) {
    if (!isLabelKey(key) || !isLabelValue(raw)) continue;
    if (looksLikeSecret(raw)) refused.push(`${LABELS_KEY}.${key}`);
    else labels[key] = raw;
  }
  return Object.keys(labels).length > 0 ? sortedLabels(labels) : undefined;
}

/**
 * A heartbeat's flattime document: the current document as of the beat. Beats
 * closer than a minute share a flattime folder, so with `stamp` the document
 * also carries "heartbeat": its own time; minute beats stay byte-identical to
 * the current document, as in the original.
 */
export function beatDocument(value: PresenceValue, at: Date, stamp: boolean, labels?: Labels): string {
  return formatPresenceDocument(stamp ? { ...value, [BEAT_TIME_KEY]: formatTss(at) } : value, labels);
}

export function formatPresenceDocument(value: PresenceValue, labels?: Labels): string {
  return formatJsonLikePython({ filetype: PRESENCE_FILETYPE, value: labels === undefined ? value : { ...value, [LABELS_KEY]: labels } });
}

/**
 * json.dumps(x, indent=4, sort_keys=True) + "\n": keys sorted, ", " and ": "
 * separators, and every non-ASCII character escaped as \uXXXX the way Python's
 * default ensure_ascii does, so a document written here and one written by the
 * original are the same bytes.
 */
export function formatJsonLikePython(data: unknown): string {
  return `${JSON.stringify(sortKeysDeep(data), null, 4).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function sortKeysDeep(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(sortKeysDeep);
  if (data === null || typeof data !== 'object') return data;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(data).sort()) sorted[key] = sortKeysDeep((data as Record<string, unknown>)[key]);
  return sorted;
}
