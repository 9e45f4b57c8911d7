import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3, type S3Connection } from '../../src/s3/client';
import { getObject, listObjects, listVersions, mapLimit, putObject } from '../../src/s3/objects';
import { writeCurrentDocument } from '../../src/presence/s3/documents';
import { startCephRgw, type CephRgw } from '../helpers/ceph-rgw.mjs';
import { createBucket, storeConfig, testS3Client, useS3Credentials } from '../helpers/s3';
import { hasTool } from '../helpers/tools';

const withCeph = hasTool('ceph', import.meta.filename);

/** nodegrid's S3 operations against a real Ceph RADOS Gateway on 127.0.0.1. */
let rgw: CephRgw;
let s3: S3Connection;
let bucket: string;

beforeAll(async () => {
  if (!withCeph) return;
  rgw = await startCephRgw();
  useS3Credentials(rgw);
  bucket = await createBucket(testS3Client(rgw));
  s3 = openS3(storeConfig(rgw, bucket, { prefix: 'grids/fed1/' }));
}, 120_000);
afterAll(async () => {
  if (!withCeph) return;
  s3?.client.destroy();
  await rgw?.stop();
});

describe.runIf(withCeph)('S3 objects on Ceph RGW', () => {
  it('writes under the key prefix and reads back the same bytes; a missing key is undefined, not an error', async () => {
    const written = await putObject(s3, 'it/presence/all/i-1.json', '{"a": 1}\n', undefined);
    expect(written.written).toBe(true);
    const raw = await testS3Client(rgw).send(new GetObjectCommand({ Bucket: bucket, Key: 'grids/fed1/it/presence/all/i-1.json' }));
    expect(await raw.Body!.transformToString()).toBe('{"a": 1}\n');
    const read = await getObject(s3, 'it/presence/all/i-1.json');
    expect(read?.body.toString()).toBe('{"a": 1}\n');
    expect(await getObject(s3, 'it/presence/all/i-none.json')).toBeUndefined();
  });

  it('reads at most maxBytes + 1 of an oversized object', async () => {
    await putObject(s3, 'big.json', 'x'.repeat(5000), undefined);
    expect((await getObject(s3, 'big.json', { maxBytes: 100 }))?.body.length).toBe(101);
  });

  it('lists a folder across pages of 1,000 keys, and nothing outside it', async () => {
    const paths = Array.from({ length: 2345 }, (_, i) => `it/presence/flattime/2026/11/25/16/202611251600/all/i-${String(i).padStart(5, '0')}.json`);
    await mapLimit(paths, 32, (p) => putObject(s3, p, '{}\n', undefined));
    await putObject(s3, 'it/presence/flattime/2026/11/25/16/202611251601/all/i-other.json', '{}\n', undefined);
    const listed = await listObjects(s3, 'it/presence/flattime/2026/11/25/16/202611251600');
    expect(listed).toHaveLength(2345);
    expect(new Set(listed.map((o) => o.path))).toEqual(new Set(paths));
  });

  it('16 writers racing to create one key with If-None-Match: * -> exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => putObject(s3, 'race/create.json', `{"writer": ${i}}\n`, { ifNoneMatch: '*' })));
    expect(results.filter((r) => r.written)).toHaveLength(1);
    const winner = results.findIndex((r) => r.written);
    expect((await getObject(s3, 'race/create.json'))?.body.toString()).toBe(`{"writer": ${winner}}\n`);
  });

  it('If-Match with a stale ETag is refused, with the current one accepted (whatever quoting the store wants)', async () => {
    const first = await putObject(s3, 'race/match.json', '{"v": 1}\n', undefined);
    expect(first.written).toBe(true);
    await putObject(s3, 'race/match.json', '{"v": 2}\n', undefined);
    const stale = first.written ? first.etag : '';
    expect((await putObject(s3, 'race/match.json', '{"v": 3}\n', { ifMatch: stale })).written).toBe(false);
    expect((await getObject(s3, 'race/match.json'))?.body.toString()).toBe('{"v": 2}\n');
  });

  it('16 writers of one current document with different state times: the newest state ends up there, never an older one', async () => {
    const path = 'it/presence/all/i-race.json';
    const doc = (i: number): string => `{"filetype": "nodepresence", "value": {"statelog": "", "statetss": "20261125-1600${String(i).padStart(2, '0')}"}}\n`;
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        writeCurrentDocument(s3, path, doc(i), { statetss: `20261125-1600${String(i).padStart(2, '0')}`, statelog: '' }, { conditional: true, signal: new AbortController().signal }),
      ),
    );
    expect(outcomes.every((o) => o === 'written' || o === 'kept-newer')).toBe(true);
    expect((await getObject(s3, path))?.body.toString()).toBe(doc(15));
    // An older writer arriving late leaves the newer document alone.
    expect(await writeCurrentDocument(s3, path, doc(3), { statetss: '20261125-160003', statelog: '' }, { conditional: true, signal: new AbortController().signal })).toBe('kept-newer');
    expect((await getObject(s3, path))?.body.toString()).toBe(doc(15));
  });

  it('lists every version of a key in a versioned bucket', async () => {
    const versioned = openS3(storeConfig(rgw, await createBucket(testS3Client(rgw), { versioned: true })));
    for (const v of [1, 2, 3]) await putObject(versioned, 'it/presence/all/i-v.json', `{"v": ${v}}\n`, undefined);
    const versions = await listVersions(versioned, 'it/presence/all/i-v.json');
    expect(versions).toHaveLength(3);
    const bodies = await Promise.all(versions.map(async (v) => (await getObject(versioned, v.path, { versionId: v.versionId! }))?.body.toString()));
    expect(new Set(bodies)).toEqual(new Set(['{"v": 1}\n', '{"v": 2}\n', '{"v": 3}\n']));
    versioned.client.destroy();
  });

  it('names the store and the reason when the bucket does not exist, and never the secret key', async () => {
    const missing = openS3(storeConfig(rgw, 'no-such-bucket-here'));
    const error = await putObject(missing, 'x.json', '{}', undefined).then(() => new Error('the write succeeded'), (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    expect(error.message).toMatch(/s3:\/\/no-such-bucket-here\/ at http:\/\/127\.0\.0\.1:\d+: cannot write x\.json: NoSuchBucket \(HTTP 404\).*create the bucket/);
    expect(error.message).not.toContain(rgw.credentials.secretAccessKey);
    missing.client.destroy();
  });
});
