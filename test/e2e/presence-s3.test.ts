import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { startCephRgw, type CephRgw } from '../helpers/ceph-rgw.mjs';
import { createBareRepo, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { expectedDocument, pendingPresenceEvents, remoteFile, remoteSubjects } from '../helpers/presence';
import { createBucket, s3Env, testS3Client } from '../helpers/s3';
import { hasTool } from '../helpers/tools';

const withCeph = hasTool('ceph', import.meta.filename);

/**
 * presence.backend s3 and hybrid through the real CLI, against a real Ceph
 * RADOS Gateway on 127.0.0.1; what was written is read back with the AWS SDK
 * itself, not with nodegrid's reader.
 */
const ID = 'i-4e7cb59a';
const DOC = `it/presence/all/${ID}.json`;

let rgw: CephRgw;
let sdk: S3Client;
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  if (!withCeph) return;
  rgw = await startCephRgw();
  sdk = testS3Client(rgw);
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
}, 120_000);
afterAll(async () => {
  if (!withCeph) return;
  sdk?.destroy();
  await rgw?.stop();
  await daemon?.stop();
  repos?.remove();
});
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

async function bucketNode(presence: Record<string, unknown>): Promise<TestNode> {
  const n = makeTestNode('nodegrid-s3-');
  nodes.push(n);
  n.writeConfig({ presence, outbox: { waitSeconds: 20 } });
  const init = await n.run(['init', '--id', ID, '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
  expect(init.code, init.stderr).toBe(0);
  return n;
}

function run(n: TestNode, args: string[]) {
  return n.run(args, { env: s3Env(rgw) });
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
  return (out.Contents ?? []).map((c) => c.Key!).sort();
}

describe.runIf(withCeph)('presence.backend s3', () => {
  it('writes the same document bytes as git, one history object per state change, and flattime beats under the prefix', async () => {
    const bucket = await createBucket(sdk);
    const n = await bucketNode({ backend: 's3', s3: { bucket, prefix: 'grids/lad1/', endpoint: rgw.endpoint } });
    for (const [state, note] of [['setup', 'from the AMI'], ['initdone', 'init took 104 s']]) {
      const r = await run(n, ['state', 'set', state!, '--note', note!]);
      expect(r.code, r.stderr).toBe(0);
    }
    // The current state's note is in the document (and so in its beats).
    const noted = { note: 'init took 104 s' };
    expect(await object(bucket, `grids/lad1/${DOC}`)).toBe(expectedDocument(n, noted));
    const history = await keys(bucket, `grids/lad1/it/presence/history/${ID}/`);
    expect(history).toEqual([`grids/lad1/it/presence/history/${ID}/000000000001.json`, `grids/lad1/it/presence/history/${ID}/000000000002.json`]);
    expect(await object(bucket, history[0]!)).toContain('"state": "setup"');

    const beat = await run(n, ['presence', 'heartbeat', '--json']);
    expect(beat.code, beat.stderr).toBe(0);
    const minute = (JSON.parse(beat.stdout) as { minute: string }).minute;
    const key = `grids/lad1/it/presence/flattime/${minute.slice(0, 4)}/${minute.slice(4, 6)}/${minute.slice(6, 8)}/${minute.slice(8, 10)}/${minute}/all/${ID}.json`;
    expect(await object(bucket, key)).toBe(expectedDocument(n, noted));
    expect(pendingPresenceEvents(n, 'presence:s3')).toEqual([]);
    expect(n.read('home/log/nodegrid.log')).toMatch(/presence:s3: wrote 1 event to s3:\/\/ng-\d+-\d+\/grids\/lad1\/ at http:\/\/127\.0\.0\.1:\d+/);

    // Read back through nodegrid's own readers.
    const shown = await run(n, ['presence', 'show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ID, record: { state: 'initdone' }, lastBeat: minute });
    const history2 = await run(n, ['history', ID, '--json']);
    expect(history2.code, history2.stderr).toBe(0);
    // Each change's note is kept in its history object, so history tells every reason, not only the last.
    expect((JSON.parse(history2.stdout) as { states: Array<{ state: string; note: string | null }> }).states.map((s) => [s.state, s.note])).toEqual([
      ['setup', 'from the AMI'],
      ['initdone', 'init took 104 s'],
    ]);
  });

  it('carries a request from an operator to the node and its outcome back, once, through the bucket', async () => {
    const bucket = await createBucket(sdk);
    const presence = { backend: 's3', s3: { bucket, prefix: 'grids/lad1/', endpoint: rgw.endpoint } };
    const n = await bucketNode(presence);
    for (const state of ['setup', 'initdone', 'running']) expect((await run(n, ['state', 'set', state])).code).toBe(0);
    const ops = makeTestNode('nodegrid-s3-ops-');
    nodes.push(ops);
    ops.writeConfig({ presence });
    const asked = await run(ops, ['request', 'drain', ID, '--by', 'alice@ops', '--note', 'scale-in', '--json']);
    expect(asked.code, asked.stderr).toBe(0);
    const { id } = JSON.parse(asked.stdout) as { id: string };
    expect(await keys(bucket, `grids/lad1/it/presence/requests/${ID}/`)).toEqual([`grids/lad1/it/presence/requests/${ID}/${id}.json`]);

    const tick = async () => JSON.parse((await run(n, ['tick', '--now', '--json'])).stdout) as { requests: Array<{ id: string; outcome: string; acted: boolean; published: boolean }> };
    expect((await tick()).requests).toEqual([expect.objectContaining({ id, outcome: 'done', acted: true, published: true })]);
    expect(n.read('nodeinfo/state.txt')?.trim()).toBe('drained');
    expect(await object(bucket, `grids/lad1/it/presence/requests/${ID}/${id}.outcome.json`)).toContain('"outcome": "done"');
    expect((await tick()).requests).toEqual([]);
    const listed = await run(ops, ['requests', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ request: expect.objectContaining({ id, by: 'alice@ops' }), outcome: expect.objectContaining({ outcome: 'done', state: 'drained' }) })]);
    // The drain's note says who asked, in the document the grid reads.
    expect(await object(bucket, `grids/lad1/${DOC}`)).toContain('"state": "drained"');
    const history = JSON.parse((await run(n, ['history', ID, '--json'])).stdout) as { states: Array<{ state: string; note: string | null }> };
    expect(history.states.find((s) => s.state === 'draining')?.note).toBe(`drain requested by alice@ops: scale-in (request ${id})`);
  });

  it('queues while the store is down (the change is accepted, nothing lost) and delivers everything in order once it is back', async () => {
    const bucket = await createBucket(sdk);
    const n = await bucketNode({ backend: 's3', s3: { bucket, endpoint: rgw.endpoint, timeoutSeconds: 3 } });
    await rgw.stopGateway();
    try {
      const down = await run(n, ['state', 'set', 'setup', '--wait', '3']);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stderr).toMatch(/pending: presence:s3 \(1 event\): s3:\/\/ng-\d+-\d+\/ at http:\/\/127\.0\.0\.1:\d+: cannot write it\/presence\/history\/i-4e7cb59a\/000000000001\.json: ECONNREFUSED/);
      const push = await run(n, ['presence', 'push', '--wait', '2']);
      expect(push.code).toBe(4);
      expect(`${down.stderr}${n.read('home/log/nodegrid.log') ?? ''}`).not.toContain(rgw.credentials.secretAccessKey);
      const beat = await run(n, ['presence', 'heartbeat', '--no-wait']);
      expect(beat.code, beat.stderr).toBe(0);
      expect(pendingPresenceEvents(n, 'presence:s3')).toHaveLength(3);
    } finally {
      await rgw.startGateway();
    }
    const flush = await run(n, ['outbox', 'flush']);
    expect(flush.code, flush.stdout + flush.stderr).toBe(0);
    expect(pendingPresenceEvents(n, 'presence:s3')).toEqual([]);
    expect(await object(bucket, DOC)).toBe(expectedDocument(n));
    expect(await keys(bucket, 'it/presence/flattime/')).toHaveLength(1);
    expect(await keys(bucket, `it/presence/history/${ID}/`)).toHaveLength(1);
  });

  it('keeps history in bucket versions when presence.s3.history is "versions"', async () => {
    const bucket = await createBucket(sdk, { versioned: true });
    const n = await bucketNode({ backend: 's3', s3: { bucket, endpoint: rgw.endpoint, history: 'versions' } });
    for (const state of ['setup', 'initdone', 'running']) expect((await run(n, ['state', 'set', state])).code).toBe(0);
    expect(await keys(bucket, 'it/presence/history/')).toEqual([]);
    const r = await run(n, ['history', ID, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const history = JSON.parse(r.stdout) as { states: Array<{ state: string }>; versions: number };
    expect(history.versions).toBe(3);
    expect(history.states.map((s) => s.state)).toEqual(['setup', 'initdone', 'running']);
  });

  it('refuses backend s3 without a bucket, naming the setting, before anything is recorded', async () => {
    const n = await bucketNode({ backend: 's3', s3: { bucket: 'not-used-here', endpoint: rgw.endpoint } });
    n.writeConfig({ presence: { backend: 's3' } });
    const r = await run(n, ['state', 'set', 'setup']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('presence.s3: backend s3 and hybrid need presence.s3');
    expect(n.read('nodeinfo/state.txt')).toBeUndefined();
  });
});

describe.runIf(withCeph)('presence.backend hybrid', () => {
  it('commits state changes to git and puts heartbeats in the bucket; readers combine both', async () => {
    const bucket = await createBucket(sdk);
    const bare = createBareRepo(repos.dir, 'hybrid.git');
    const n = await bucketNode({ backend: 'hybrid', remote: daemon.url('hybrid.git'), s3: { bucket, endpoint: rgw.endpoint } });
    expect((await run(n, ['state', 'set', 'setup'])).code).toBe(0);
    const beat = await run(n, ['presence', 'heartbeat', '--json']);
    expect(beat.code, beat.stderr).toBe(0);
    expect(remoteSubjects(bare, 'main')).toEqual([`${ID}:fed1/db1: none -> setup`]);
    expect(remoteFile(bare, 'main', DOC)).toBe(expectedDocument(n));
    expect(await keys(bucket, 'it/presence/all/')).toEqual([]);
    expect(await keys(bucket, 'it/presence/flattime/')).toHaveLength(1);
    const nodesOut = await run(n, ['nodes', '--json']);
    expect(nodesOut.code, nodesOut.stderr).toBe(0);
    const [only] = JSON.parse(nodesOut.stdout) as Array<{ id: string; state: string; health: string; heartbeat: string | null }>;
    expect(only).toMatchObject({ id: ID, state: 'setup', health: 'alive' });
    expect(only!.heartbeat).not.toBeNull();
    const shown = await run(n, ['presence', 'show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ID, record: { state: 'setup' }, lastBeat: (JSON.parse(beat.stdout) as { minute: string }).minute });
    // --remote names the git side only: beats still come from the bucket.
    const viaRemote = await run(n, ['nodes', '--remote', daemon.url('hybrid.git'), '--json']);
    expect(viaRemote.code, viaRemote.stderr).toBe(0);
    expect(JSON.parse(viaRemote.stdout)).toEqual(JSON.parse(nodesOut.stdout));
  });
});
