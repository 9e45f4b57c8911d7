import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { startCephRgw, type CephRgw } from '../helpers/ceph-rgw.mjs';
import { createBucket, s3Env, testS3Client } from '../helpers/s3';
import { hasTool } from '../helpers/tools';

const withCeph = hasTool('ceph', import.meta.filename);

/**
 * Labels and `presence forget` on presence.backend s3, against a real Ceph
 * RADOS Gateway on 127.0.0.1; what is left is read with the AWS SDK itself.
 */
let rgw: CephRgw;
let sdk: S3Client;
const nodes: TestNode[] = [];

beforeAll(async () => {
  if (!withCeph) return;
  rgw = await startCephRgw();
  sdk = testS3Client(rgw);
}, 120_000);
afterAll(async () => {
  if (!withCeph) return;
  sdk?.destroy();
  await rgw?.stop();
});
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

async function bucketNode(presence: Record<string, unknown>, id: string): Promise<TestNode> {
  const n = makeTestNode('nodegrid-s3-forget-');
  nodes.push(n);
  n.writeConfig({ presence, outbox: { waitSeconds: 20 } });
  const init = await n.run(['init', '--id', id, '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
  expect(init.code, init.stderr).toBe(0);
  return n;
}

async function ok(n: TestNode, args: string[]): Promise<string> {
  const r = await n.run(args, { env: s3Env(rgw), timeoutMs: 60_000 });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function object(bucket: string, key: string): Promise<string | undefined> {
  try {
    return await (await sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  } catch {
    return undefined;
  }
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out = await sdk.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe.runIf(withCeph)('labels and presence forget on S3 (Ceph RGW)', () => {
  it('publishes labels to the bucket, deletes a retired node’s current object and keeps its history objects', async () => {
    const bucket = await createBucket(sdk);
    const presence = { backend: 's3', s3: { bucket, endpoint: rgw.endpoint } };
    const gone = await bucketNode(presence, 'i-gone');
    const live = await bucketNode(presence, 'i-live');
    fs.writeFileSync(path.join(gone.nodeinfo, 'labels.txt'), 'env=prod\n');
    for (const n of [gone, live]) {
      await ok(n, ['state', 'set', 'setup']);
      await ok(n, ['state', 'set', 'initdone']);
    }
    expect(JSON.parse((await object(bucket, 'it/presence/all/i-gone.json'))!).value.labels).toEqual({ env: 'prod' });
    expect(await object(bucket, 'it/presence/all/i-live.json')).not.toContain('labels');
    expect((await ok(live, ['nodes', '-l', 'env=prod', '-o', 'name'])).trim()).toBe('i-gone');

    const refused = await live.run(['presence', 'forget', 'i-live'], { env: s3Env(rgw) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not retired');

    await ok(gone, ['state', 'set', 'decommissioned', '--force']);
    const out = JSON.parse(await ok(live, ['presence', 'forget', 'i-gone', '--json'])) as { nodes: Array<{ id: string; outcome: string }> };
    expect(out.nodes).toEqual([expect.objectContaining({ id: 'i-gone', outcome: 'removed' })]);
    expect(await object(bucket, 'it/presence/all/i-gone.json')).toBeUndefined();
    expect(await object(bucket, 'it/presence/all/i-live.json')).toBeDefined();
    expect(await keys(bucket, 'it/presence/history/i-gone/')).toHaveLength(3);
    const history = JSON.parse(await ok(live, ['history', 'i-gone', '--json'])) as { states: Array<{ state: string }> };
    expect(history.states.map((s) => s.state)).toEqual(['setup', 'initdone', 'decommissioned']);
    expect((await ok(live, ['nodes', '-o', 'name'])).trim()).toBe('i-live');
  }, 180_000);
});
