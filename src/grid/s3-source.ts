import type { S3StoreConfig } from '../config/sections/presence';
import { CURRENT_DIR, currentDocumentPath, HISTORY_DIR } from '../core/presence-doc';
import { isValidInstanceId } from '../core/ids';
import { openS3, type S3Connection } from '../s3/client';
import { getObject, listFolders, listObjects, listVersions, mapLimit, type ListedObject } from '../s3/objects';
import type { DocumentVersion, HistorySource } from './history';
import { MAX_DOCUMENT_BYTES, parsePresenceDocument, type PresenceRecord } from './presence-reader';
import type { PresenceSource, SourceEntry } from './presence-source';

/**
 * Presence read from an S3 bucket: the same paths as the git layout, so the
 * reader, the heartbeat scan and every command above them do not know which
 * backend they read. Loaded with `await import()` only (it pulls in the SDK).
 *
 * - A folder is one ListObjectsV2 call per 1,000 keys (one flattime minute of
 *   5,000 nodes is five calls).
 * - Documents are fetched in parallel, and a long-running reader (serve,
 *   monitor) keeps the bytes by ETag, so a refresh only fetches what changed.
 */
export interface S3Presence {
  readonly source: PresenceSource;
  readonly history: HistorySource;
  readonly connection: S3Connection;
}

const READ_CONCURRENCY = 32;
const LIST_CONCURRENCY = 8;

export function openS3Presence(config: S3StoreConfig): S3Presence {
  const connection = openS3(config, { maxAttempts: 4 });
  const source = s3Source(connection);
  const history = config.history === 'versions' ? versionHistory(connection) : objectHistory(connection);
  return { source, history, connection };
}

export function s3Source(s3: S3Connection): PresenceSource {
  /** ETags from the latest listing, and the bytes read for each ETag. */
  const listedEtags = new Map<string, string>();
  const cache = new Map<string, { etag: string; body: Buffer }>();
  return {
    description: s3.where,
    listing: 'per-key',
    listFolders: (folder) => listFolders(s3, folder),
    async list(prefixes) {
      const pages = await mapLimit(prefixes, LIST_CONCURRENCY, (prefix) => listObjects(s3, prefix));
      const out: SourceEntry[] = [];
      for (const objects of pages) {
        for (const object of objects) {
          listedEtags.set(object.path, object.etag);
          out.push({ path: object.path, kind: 'file', size: object.size });
        }
      }
      return out;
    },
    async readMany(paths) {
      const out = new Map<string, Buffer>();
      await mapLimit(paths, READ_CONCURRENCY, async (path) => {
        const listed = listedEtags.get(path);
        const cached = cache.get(path);
        if (cached && listed !== undefined && cached.etag === listed) {
          out.set(path, cached.body);
          return;
        }
        // One byte past the limit: an oversized document is seen as such without reading all of it.
        const object = await getObject(s3, path, { maxBytes: MAX_DOCUMENT_BYTES });
        if (!object) return;
        out.set(path, object.body);
        // Only documents are worth keeping (beats are read once, for sub-minute times).
        if (path.startsWith(`${CURRENT_DIR}/`)) cache.set(path, { etag: object.etag, body: object.body });
      });
      return out;
    },
  };
}

/** History objects it/presence/history/<id>/<seq>.json, written by the S3 sink with each state change. */
function objectHistory(s3: S3Connection): HistorySource {
  return {
    async versionsOf(id) {
      if (!isValidInstanceId(id)) return [];
      const listed = (await listObjects(s3, `${HISTORY_DIR}/${id}`)).filter((o) => /\/\d{12}\.json$/.test(o.path));
      return readVersions(s3, id, listed.sort((a, b) => (a.path < b.path ? -1 : 1)));
    },
    async documentsAt(when) {
      // The newest history object of each node written at or before `when`.
      const latest = new Map<string, ListedObject>();
      for (const object of await listObjects(s3, HISTORY_DIR)) {
        const id = /^it\/presence\/history\/([^/]+)\/\d{12}\.json$/.exec(object.path)?.[1];
        if (id === undefined || !isValidInstanceId(id) || object.lastModified > when) continue;
        const known = latest.get(id);
        if (!known || object.path > known.path) latest.set(id, object);
      }
      return documentsFrom(s3, latest, (object) => object.path);
    },
  };
}

/** Bucket versioning: every version of it/presence/all/<id>.json. */
function versionHistory(s3: S3Connection): HistorySource {
  return {
    async versionsOf(id) {
      if (!isValidInstanceId(id)) return [];
      const file = currentDocumentPath(id);
      const listed = (await listVersions(s3, file)).filter((v) => v.path === file);
      return readVersions(s3, id, listed.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime()));
    },
    async documentsAt(when) {
      const latest = new Map<string, ListedObject>();
      for (const version of await listVersions(s3, `${CURRENT_DIR}/`)) {
        const id = /^it\/presence\/all\/([^/]+)\.json$/.exec(version.path)?.[1];
        if (id === undefined || !isValidInstanceId(id) || version.lastModified > when) continue;
        const known = latest.get(id);
        if (!known || version.lastModified > known.lastModified) latest.set(id, version);
      }
      return documentsFrom(s3, latest, (version) => `${version.path}?versionId=${version.versionId}`);
    },
  };
}

async function readVersions(s3: S3Connection, id: string, listed: readonly ListedObject[]): Promise<DocumentVersion[]> {
  return mapLimit(listed, READ_CONCURRENCY, async (object): Promise<DocumentVersion> => {
    const name = object.versionId ?? object.path.slice(object.path.lastIndexOf('/') + 1, -'.json'.length);
    const base = { commit: name, committedAt: object.lastModified, subject: '' };
    const stored = await getObject(s3, object.path, { maxBytes: MAX_DOCUMENT_BYTES, ...(object.versionId ? { versionId: object.versionId } : {}) });
    // A delete marker or an object gone since the listing.
    if (!stored) return { ...base, deleted: true };
    const parsed = parsePresenceDocument(stored.body.toString('utf8'), object.path, id);
    return parsed.ok ? { ...base, record: parsed.record, deleted: false } : { ...base, deleted: false, problem: parsed.problem };
  });
}

async function documentsFrom(
  s3: S3Connection,
  latest: ReadonlyMap<string, ListedObject>,
  refOf: (object: ListedObject) => string,
): Promise<{ ref: string | null; records: PresenceRecord[] }> {
  if (latest.size === 0) return { ref: null, records: [] };
  const entries = [...latest].sort(([a], [b]) => (a < b ? -1 : 1));
  const records = await mapLimit(entries, READ_CONCURRENCY, async ([id, object]) => {
    const stored = await getObject(s3, object.path, { maxBytes: MAX_DOCUMENT_BYTES, ...(object.versionId ? { versionId: object.versionId } : {}) });
    const parsed = stored ? parsePresenceDocument(stored.body.toString('utf8'), object.path, id) : undefined;
    return parsed?.ok ? parsed.record : undefined;
  });
  // The newest object read stands for the point in time, as a commit does in git.
  const newest = entries.reduce((a, b) => (b[1].lastModified > a[1].lastModified ? b : a))[1];
  return { ref: refOf(newest), records: records.filter((r): r is PresenceRecord => r !== undefined) };
}
