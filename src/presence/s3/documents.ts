import { MAX_DOCUMENT_BYTES } from '../format';
import { parseStateLog } from '../../core/statelog';
import { deleteObject, getObject, putObject, S3Failure, type Precondition } from '../../s3/objects';
import type { S3Connection } from '../../s3/client';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';

/**
 * Replaces a node's current document in the bucket without ever putting an
 * older document over a newer one: read it, compare, and write only if the
 * object is still the one compared (If-Match its ETag, or If-None-Match: * when
 * there was none). A lost race re-reads and compares again.
 */
export type CurrentWrite = 'written' | 'unchanged' | 'kept-newer';

export interface DocumentOrder {
  readonly statetss?: string | undefined;
  /** Its statelog as written, to order two changes within the same second. */
  readonly statelog: string;
}

export async function writeCurrentDocument(
  s3: S3Connection,
  path: string,
  content: string,
  ours: DocumentOrder,
  options: { conditional: boolean; signal: AbortSignal },
): Promise<CurrentWrite> {
  for (let attempt = 1; attempt <= MAX_RACES; attempt++) {
    // Readers refuse documents over the bound; reading more of a stored one is never needed to compare.
    const existing = await getObject(s3, path, { signal: options.signal, maxBytes: MAX_DOCUMENT_BYTES });
    if (existing) {
      const text = existing.body.toString('utf8');
      if (text === content) return 'unchanged';
      if (isNewer(orderOf(text), ours)) return 'kept-newer';
    }
    if (!options.conditional || (existing && !ifMatchWorks(s3))) {
      await putObject(s3, path, content, undefined, { signal: options.signal });
      return 'written';
    }
    const sentEtag = existing ? etagForIfMatch(s3, existing.etag) : undefined;
    const precondition: Precondition = sentEtag !== undefined ? { ifMatch: sentEtag } : { ifNoneMatch: '*' };
    if ((await putObject(s3, path, content, precondition, { signal: options.signal })).written) return 'written';
    if (existing && sentEtag !== undefined && (await learnEtagMode(s3, path, existing.etag, sentEtag, options.signal))) continue;
    // Someone else wrote between our read and our write: back off a little and compare again.
    await sleep(backoffDelayMs(attempt, RACE_BACKOFF), options.signal);
  }
  throw new S3Failure(`${s3.where}: cannot write ${path}: another writer kept changing it (${MAX_RACES} tries)`, false);
}

const MAX_RACES = 8;
// Full jitter: two writers of one document should not meet again at the same instant.
const RACE_BACKOFF = { baseMs: 40, maxMs: 400, jitter: 'full' } as const;

/** "the remote one is newer": a later statetss, or the same second with more statelog entries. */
export function isNewer(remote: DocumentOrder | undefined, ours: DocumentOrder): boolean {
  if (remote?.statetss === undefined) return false;
  if (ours.statetss === undefined) return true;
  if (remote.statetss !== ours.statetss) return remote.statetss > ours.statetss;
  return parseStateLog(remote.statelog).entries.length > parseStateLog(ours.statelog).entries.length;
}

export type CurrentDelete = 'deleted' | 'absent' | 'changed';

/**
 * Deletes a node's current document (`presence forget`) only while it is the
 * one judged (`expected`): If-Match its ETag, in the form the store compares
 * (see EtagMode below); a store that honours no If-Match on DELETE gets the
 * comparison right before the delete, a window of one request. The history
 * objects stay: they are the node's past.
 */
export async function deleteCurrentDocument(s3: S3Connection, path: string, expected: string, options: { conditional: boolean; signal: AbortSignal }): Promise<CurrentDelete> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const existing = await getObject(s3, path, { signal: options.signal, maxBytes: MAX_DOCUMENT_BYTES });
    if (!existing) return 'absent';
    if (existing.body.toString('utf8') !== expected) return 'changed';
    if (!options.conditional || !ifMatchWorks(s3)) {
      await deleteObject(s3, path, undefined, { signal: options.signal });
      return 'deleted';
    }
    const sent = etagForIfMatch(s3, existing.etag);
    if ((await deleteObject(s3, path, sent, { signal: options.signal })).deleted) return 'deleted';
    // Refused: either it changed (compared again above) or the store refused this form of the ETag.
    if (!(await learnEtagMode(s3, path, existing.etag, sent, options.signal))) return 'changed';
  }
  return 'changed';
}

/** The order fields of a stored document; undefined for one that cannot be read (it is then overwritten). */
function orderOf(text: string): DocumentOrder | undefined {
  try {
    const value = (JSON.parse(text) as { value?: Record<string, unknown> }).value;
    if (!value || typeof value !== 'object') return undefined;
    const statetss = typeof value.statetss === 'string' ? value.statetss : undefined;
    return { statetss, statelog: typeof value.statelog === 'string' ? value.statelog : '' };
  } catch {
    return undefined;
  }
}

/**
 * RFC 7232 ETags are quoted, and AWS S3 and MinIO compare them so. Ceph RGW
 * (16.x) compares If-Match against the bare hex and refuses the quoted form
 * with 412 even when nothing changed; on a versioned bucket it refuses every
 * If-Match. Learnt once per client, from a 412 on an object whose ETag is
 * still the one sent: first try it bare, then give up on If-Match for this
 * store and write right after the comparison (a window of one request).
 */
type EtagMode = 'quoted' | 'bare' | 'unsupported';
const etagModes = new WeakMap<object, EtagMode>();

function etagForIfMatch(s3: S3Connection, etag: string): string {
  return etagModes.get(s3.client) === 'bare' ? etag.replace(/^"|"$/g, '') : etag;
}

function ifMatchWorks(s3: S3Connection): boolean {
  return etagModes.get(s3.client) !== 'unsupported';
}

/** After a refused If-Match: true when the object did not change, i.e. the store, not a writer, refused it. */
async function learnEtagMode(s3: S3Connection, path: string, etag: string, sent: string, signal: AbortSignal): Promise<boolean> {
  const again = await getObject(s3, path, { signal, maxBytes: 1 });
  if (again?.etag !== etag) return false;
  // Concurrent writers of one client learn together: a refused quoted ETag only ever means "try it bare".
  if (sent.startsWith('"')) {
    if (etagModes.get(s3.client) === undefined) etagModes.set(s3.client, 'bare');
  } else {
    etagModes.set(s3.client, 'unsupported');
  }
  return true;
}
