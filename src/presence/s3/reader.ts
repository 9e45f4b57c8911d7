import fs from 'node:fs';
import nodePath from 'node:path';
import * as z from 'zod/mini';
import type { S3StoreConfig } from '../../config/sections/presence';
import { CURRENT_DIR, currentDocumentPath, HISTORY_DIR, MAX_DOCUMENT_BYTES } from '../format';
import { isValidInstanceId } from '../../core/ids';
import { parseJsonWith } from '../../core/parse-json';
import { writeFileAtomic } from '../../sys/files';
import { setAside } from '../../sys/set-aside';
import { openS3, type S3Connection } from '../../s3/client';
import { getObject, listFolders, listObjects, listVersions, mapLimit, type ListedObject } from '../../s3/objects';
import type { DocumentVersion, HistorySource } from '../history';
import { parsePresenceDocument, type PresenceRecord } from '../read';
import type { PresenceSource, SourceEntry } from '../source';

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

/**
 * `cacheFile`: where the documents read are kept by ETag between runs (under
 * $NODEGRID_HOME/grid/, as git readers keep their clone), so `nodes` on a
 * grid of thousands fetches only the documents that changed since last time.
 */
export function openS3Presence(config: S3StoreConfig, options: { cacheFile?: string } = {}): S3Presence {
  const connection = openS3(config, { maxAttempts: 4 });
  const source = s3Source(connection, options.cacheFile);
  const history = config.history === 'versions' ? versionHistory(connection) : objectHistory(connection);
  return { source, history, connection };
}

export function s3Source(s3: S3Connection, cacheFile?: string): PresenceSource {
  /**
   * Current documents only (beats are read once, for sub-minute times): the
   * ETags of the latest listing of it/presence/all, and the text read for
   * each. Both follow each listing, so a node that left is forgotten and a
   * reader running for weeks holds one entry per node.
   */
  let listedEtags = new Map<string, string>();
  const cache = cacheFile === undefined ? new Map<string, CachedDocument>() : readCache(cacheFile);
  let cacheChanged = false;
  return {
    description: s3.where,
    listFolders: (folder) => listFolders(s3, folder),
    async list(prefixes) {
      const pages = await mapLimit(prefixes, LIST_CONCURRENCY, (prefix) => listObjects(s3, prefix));
      const out: SourceEntry[] = [];
      pages.forEach((objects, index) => {
        if (prefixes[index] === CURRENT_DIR) {
          listedEtags = new Map(objects.map((object) => [object.path, object.etag]));
          for (const path of cache.keys()) {
            if (!listedEtags.has(path)) {
              cache.delete(path);
              cacheChanged = true;
            }
          }
        }
        for (const object of objects) out.push({ path: object.path, kind: 'file', size: object.size });
      });
      return out;
    },
    async readMany(paths) {
      const out = new Map<string, Buffer>();
      await mapLimit(paths, READ_CONCURRENCY, async (path) => {
        const listed = listedEtags.get(path);
        const cached = cache.get(path);
        if (cached && listed !== undefined && cached.etag === listed) {
          out.set(path, Buffer.from(cached.text, 'utf8'));
          return;
        }
        // One byte past the limit: an oversized document is seen as such without reading all of it.
        const object = await getObject(s3, path, { maxBytes: MAX_DOCUMENT_BYTES });
        if (!object) return;
        out.set(path, object.body);
        if (listed !== undefined && object.body.length <= MAX_DOCUMENT_BYTES) {
          cache.set(path, { etag: object.etag, text: object.body.toString('utf8') });
          cacheChanged = true;
        }
      });
      if (cacheFile !== undefined && cacheChanged) {
        writeCache(cacheFile, cache);
        cacheChanged = false;
      }
      return out;
    },
  };
}

interface CachedDocument {
  readonly etag: string;
  readonly text: string;
}

/** The cache file: documents by path, each with the ETag it was read at. */
const cacheSchema = z.object({
  documents: z.record(
    z.string().check(z.startsWith(`${CURRENT_DIR}/`)),
    z.object({ etag: z.string(), text: z.string().check(z.maxLength(MAX_DOCUMENT_BYTES)) }),
  ),
});

/** The reader's own file; one that does not match is set aside and everything is fetched again. */
function readCache(file: string): Map<string, CachedDocument> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return new Map(); // no cache yet
  }
  const parsed = parseJsonWith(cacheSchema, text);
  if (parsed.ok) return new Map(Object.entries(parsed.value.documents));
  try {
    setAside(file, parsed.problem, `${file}.corrupt-${Date.now()}`);
  } catch {
    /* cannot be moved: it is rewritten after this read anyway */
  }
  return new Map();
}

function writeCache(file: string, cache: ReadonlyMap<string, CachedDocument>): void {
  try {
    fs.mkdirSync(nodePath.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify({ documents: Object.fromEntries(cache) }));
  } catch {
    /* a cache that cannot be written costs the next run some reads, nothing else */
  }
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
