import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, readAllFiles, type TestNode } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn, TEST_SECRET_ACCESS_KEY, type Ec2StandIn } from '../helpers/ec2-server';

const ID = 'i-0a1b2c3d4e5f60718';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ node: TestNode; server: Ec2StandIn; env: Record<string, string | undefined> }> {
  const server = await startEc2StandIn();
  const node = makeTestNode('nodegrid-ec2-');
  cleanups.push(() => server.close(), () => fs.rmSync(node.root, { recursive: true, force: true }));
  node.writeConfig({ ec2: { enabled: true }, outbox: { backoffSeconds: 1 } });
  server.addInstance({ id: ID, tags: { Name: 'db1.fed1' } });
  const init = await node.run(['init', '--id', ID, '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
  expect(init.code, init.stderr).toBe(0);
  return { node, server, env: awsEnvFor(server) };
}

const createTagsCalls = (server: Ec2StandIn) => server.calls.filter((call) => call.action === 'CreateTags');

describe('EC2 tags on every state change', () => {
  it('writes the six add: tags after a change, with a clean stderr', async () => {
    const { node, server, env } = await setup();
    const setupRun = await node.run(['state', 'set', 'setup'], { env });
    expect(setupRun.code, setupRun.stderr).toBe(0);
    // No SDK notice on Node 20, no "pending" line: delivered within the run.
    expect(setupRun.stderr).toBe('');
    const initdone = await node.run(['state', 'set', 'initdone'], { env });
    expect(initdone.code, initdone.stderr).toBe(0);

    const statelog = node.read('nodeinfo/statelog.txt')!;
    expect(server.tagsOf(ID)).toEqual({
      Name: 'db1.fed1',
      'add:state': 'initdone',
      'add:statetss': node.read('nodeinfo/statetss.txt')!.trim(),
      'add:statelog': statelog,
      'add:deployment': 'fed1',
      'add:nodepart': 'db1',
      'add:stacktype': 'lad1',
    });
    expect(statelog).toMatch(/^setup:\d{8}-\d{6};initdone:\d{8}-\d{6};$/);
    expect(createTagsCalls(server).every((call) => call.region === 'us-west-2')).toBe(true);
  });

  it('keeps only the newest whole statelog entries that fit in 256 characters', async () => {
    const { node, server, env } = await setup();
    const entries = Array.from({ length: 30 }, (_, i) => `${i % 2 ? 'draining' : 'running'}:201510${String(10 + (i % 18)).padStart(2, '0')}-12${String(i).padStart(4, '0')};`);
    fs.writeFileSync(path.join(node.nodeinfo, 'statelog.txt'), entries.join(''));
    fs.writeFileSync(path.join(node.nodeinfo, 'state.txt'), 'draining\n');
    const result = await node.run(['state', 'set', 'running'], { env });
    expect(result.code, result.stderr).toBe(0);

    const full = node.read('nodeinfo/statelog.txt')!;
    const tag = server.tagsOf(ID)!['add:statelog']!;
    expect(full.length).toBeGreaterThan(256);
    expect(tag.length).toBeLessThanOrEqual(256);
    expect(full.endsWith(tag)).toBe(true);
    expect(tag).toMatch(/^(?:[a-z]+:\d{8}-\d{6};)+$/);
    // One more (whole) entry would not have fitted.
    const all = full.split(';').filter(Boolean);
    const kept = tag.split(';').filter(Boolean).length;
    expect(`${all.slice(-kept - 1).join(';')};`.length).toBeGreaterThan(256);
  });

  it('delivers after throttling (RequestLimitExceeded) with backoff, losing and reordering nothing', async () => {
    const { node, server, env } = await setup();
    expect((await node.run(['state', 'set', 'setup', '--no-wait'], { env })).code).toBe(0);
    expect((await node.run(['state', 'set', 'initdone', '--no-wait'], { env })).code).toBe(0);
    server.throttleNext(3);
    const flush = await node.run(['outbox', 'flush', '--wait', '30'], { env });
    expect(flush.code, flush.stderr).toBe(0);
    expect(flush.stdout).toContain('delivered 2 events; 0 pending');

    const calls = createTagsCalls(server);
    expect(calls.slice(0, 3).map((call) => call.status)).toEqual([503, 503, 503]);
    expect(calls.at(-1)!.status).toBe(200);
    expect(server.tagsOf(ID)!['add:state']).toBe('initdone');
    expect(server.tagsOf(ID)!['add:statelog']).toMatch(/^setup:\d{8}-\d{6};initdone:\d{8}-\d{6};$/);
    expect(node.read('home/log/nodegrid.log')).toContain('ec2: CreateTags on i-0a1b2c3d4e5f60718 was throttled by EC2 (RequestLimitExceeded)');
  });

  it('reports refused credentials clearly, keeps the change queued, retries later, and never prints the secret', async () => {
    const { node, server, env } = await setup();
    const badEnv = { ...env, AWS_ACCESS_KEY_ID: 'AKIDREVOKEDEXAMPLE' };
    const refused = await node.run(['state', 'set', 'setup'], { env: badEnv });
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stderr).toContain('pending: ec2 (1 event): ec2: CreateTags on i-0a1b2c3d4e5f60718: EC2 refused the AWS credentials (AuthFailure, HTTP 401)');
    expect(refused.stderr).toContain('check the access key or instance role');
    const listing = await node.run(['outbox'], { env: badEnv });
    expect(listing.stdout).toContain('AuthFailure');

    const texts = [refused.stdout, refused.stderr, listing.stdout, listing.stderr, ...readAllFiles(node.root).map((f) => f.text)];
    for (const text of texts) expect(text).not.toContain(TEST_SECRET_ACCESS_KEY);
    expect(server.tagsOf(ID)!['add:state']).toBeUndefined();

    // The credentials are fixed (an instance role attached): the queued change goes through.
    const flush = await node.run(['outbox', 'flush'], { env });
    expect(flush.code, flush.stderr).toBe(0);
    expect(server.tagsOf(ID)!['add:state']).toBe('setup');
  });

  it('near the 50-tag limit, writes what fits and warns instead of failing', async () => {
    const { node, server, env } = await setup();
    const others = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`team:${i}`, 'x']));
    server.addInstance({ id: ID, tags: { Name: 'db1.fed1', ...others } });
    const result = await node.run(['state', 'set', 'setup'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const tags = server.tagsOf(ID)!;
    expect(Object.keys(tags)).toHaveLength(50);
    expect(tags['add:state']).toBe('setup');
    expect(tags['add:deployment']).toBe('fed1');
    expect(tags['add:statelog']).toBeUndefined();
    expect(node.read('home/log/nodegrid.log')).toContain("warning: ec2: i-0a1b2c3d4e5f60718 is at EC2's limit of 50 tags; skipped add:nodepart, add:stacktype, add:statelog");
  });
});
