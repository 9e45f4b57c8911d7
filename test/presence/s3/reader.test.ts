import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3Presence, type S3Presence } from '../../../src/presence/s3/reader';
import { loadPresence } from '../../../src/presence/read';
import { startCephRgw, type CephRgw } from '../../helpers/ceph-rgw.mjs';
import { presenceDocument } from '../../helpers/grid-fixture.mjs';
import { createBucket, storeConfig, testS3Client, useS3Credentials } from '../../helpers/s3';
import { hasTool } from '../../helpers/tools';

const withCeph = hasTool('ceph', import.meta.filename);

/** The bucket reader a long-running `serve` or `monitor` keeps: it must see every change and forget what left. */
let rgw: CephRgw;
let sdk: S3Client;
let bucket: string;
let reader: S3Presence;

beforeAll(async () => {
  if (!withCeph) return;
  rgw = await startCephRgw();
  useS3Credentials(rgw);
  sdk = testS3Client(rgw);
  bucket = await createBucket(sdk);
  reader = openS3Presence(storeConfig(rgw, bucket));
}, 120_000);
afterAll(async () => {
  if (!withCeph) return;
  reader?.connection.client.destroy();
  sdk?.destroy();
  await rgw?.stop();
});

const put = (id: string, state: string): Promise<unknown> =>
  sdk.send(new PutObjectCommand({ Bucket: bucket, Key: `it/presence/all/${id}.json`, Body: presenceDocument({ 'instance-id': id, state, statelog: '' }) }));

describe.runIf(withCeph)('the S3 presence source, read again and again', () => {
  it('sees a changed document on the next load, and forgets one that was deleted', async () => {
    await put('i-1', 'setup');
    await put('i-2', 'running');
    const states = async (): Promise<Record<string, string | undefined>> =>
      Object.fromEntries((await loadPresence(reader.source)).records.map((r) => [r.id, r.state]));
    expect(await states()).toEqual({ 'i-1': 'setup', 'i-2': 'running' });
    await put('i-1', 'initdone');
    await sdk.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'it/presence/all/i-2.json' }));
    expect(await states()).toEqual({ 'i-1': 'initdone' });
    await put('i-2', 'draining');
    expect(await states()).toEqual({ 'i-1': 'initdone', 'i-2': 'draining' });
  });
});

describe.runIf(withCeph)('the reader cache between runs', () => {
  it('reads a document again only when its ETag changed, and ignores a broken cache file', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-s3cache-'));
    const cacheFile = path.join(dir, 'grid', 's3', 'cache.json');
    const cachedBucket = await createBucket(sdk);
    await sdk.send(new PutObjectCommand({ Bucket: cachedBucket, Key: 'it/presence/all/i-9.json', Body: presenceDocument({ 'instance-id': 'i-9', state: 'setup', statelog: '' }) }));
    const states = async (): Promise<Record<string, string | undefined>> => {
      const run = openS3Presence(storeConfig(rgw, cachedBucket), { cacheFile });
      try {
        return Object.fromEntries((await loadPresence(run.source)).records.map((r) => [r.id, r.state]));
      } finally {
        run.connection.client.destroy();
      }
    };
    try {
      expect(await states()).toEqual({ 'i-9': 'setup' });
      // Tamper with the cached text but keep its ETag: a run that trusts the cache shows it, proving no GET was made.
      const saved = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { documents: Record<string, { etag: string; text: string }> };
      saved.documents['it/presence/all/i-9.json']!.text = presenceDocument({ 'instance-id': 'i-9', state: 'running', statelog: '' });
      fs.writeFileSync(cacheFile, JSON.stringify(saved));
      expect(await states()).toEqual({ 'i-9': 'running' });
      // A new version in the bucket has a new ETag: read again.
      await sdk.send(new PutObjectCommand({ Bucket: cachedBucket, Key: 'it/presence/all/i-9.json', Body: presenceDocument({ 'instance-id': 'i-9', state: 'initdone', statelog: '' }) }));
      expect(await states()).toEqual({ 'i-9': 'initdone' });
      fs.writeFileSync(cacheFile, '{"documents": {"it/presence/all/i-9.json": 42}');
      expect(await states()).toEqual({ 'i-9': 'initdone' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
