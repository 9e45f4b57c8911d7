import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn, type Ec2StandIn } from '../helpers/ec2-server';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standIn(options: Parameters<typeof startEc2StandIn>[0] = {}): Promise<Ec2StandIn> {
  const server = await startEc2StandIn(options);
  cleanups.push(() => server.close());
  return server;
}

function node(): TestNode {
  const n = makeTestNode('nodegrid-ec2-id-');
  cleanups.push(() => fs.rmSync(n.root, { recursive: true, force: true }));
  n.writeConfig({ ec2: { enabled: true } });
  return n;
}

describe('identity from EC2 instance metadata (IMDSv2)', () => {
  it('lets `state set setup` be the first command of a boot script: id and region from IMDSv2, then tags', async () => {
    const server = await standIn({ metadata: { instanceId: 'i-0123456789abcdef0', region: 'eu-north-1' } });
    server.addInstance({ id: 'i-0123456789abcdef0' });
    const n = node();
    // No AWS_REGION: the region comes from the instance's own metadata.
    const result = await n.run(['state', 'set', 'setup'], { env: awsEnvFor(server, { AWS_REGION: undefined }) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('none -> setup (i-0123456789abcdef0:');
    expect(n.read('nodeinfo/instance-id.txt')).toBe('i-0123456789abcdef0\n');
    expect(server.imdsRequests).toContain('PUT /latest/api/token');
    expect(server.tagsOf('i-0123456789abcdef0')!['add:state']).toBe('setup');
    expect(server.calls.find((call) => call.action === 'CreateTags')!.region).toBe('eu-north-1');
    expect(n.read('home/log/nodegrid.log')).toContain('instance id i-0123456789abcdef0 read from EC2 instance metadata');
  });

  it('off EC2, gives up within about a second and says how to set the id, changing nothing', async () => {
    const server = await standIn();
    const closedUrl = server.url;
    await cleanups.pop()!();
    const n = node();
    const started = Date.now();
    const result = await n.run(['state', 'set', 'setup'], { env: awsEnvFor(server, { AWS_EC2_METADATA_SERVICE_ENDPOINT: closedUrl, AWS_ENDPOINT_URL_EC2: closedUrl }) });
    // Process start included; the lookup itself is bounded to 1 s (see test/sinks/ec2/stand-in.test.ts).
    expect(Date.now() - started).toBeLessThan(8000); // not a hang: a boot script goes on
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: no instance id: instance-id.txt is missing in ${n.nodeinfo} and the EC2 instance metadata service at ${closedUrl} is not reachable`);
    expect(result.stderr).toContain('not running on EC2?');
    expect(result.stderr).toContain('nodegrid init --id <id>');
    expect(n.read('nodeinfo/state.txt')).toBeUndefined();
    expect(n.read('nodeinfo/instance-id.txt')).toBeUndefined();
  });

  it('never asks instance metadata when instance-id.txt exists or EC2 is disabled', async () => {
    const server = await standIn({ metadata: { instanceId: 'i-0123456789abcdef0', region: 'eu-north-1' } });
    const disabled = makeTestNode('nodegrid-ec2-id-');
    cleanups.push(() => fs.rmSync(disabled.root, { recursive: true, force: true }));
    const refused = await disabled.run(['state', 'set', 'setup'], { env: awsEnvFor(server) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no instance id');

    server.addInstance({ id: 'i-4e7cb59a' });
    const known = node();
    expect((await known.run(['init', '--id', 'i-4e7cb59a'])).code).toBe(0);
    const set = await known.run(['state', 'set', 'setup'], { env: awsEnvFor(server) });
    expect(set.code, set.stderr).toBe(0);
    expect(server.tagsOf('i-4e7cb59a')!['add:state']).toBe('setup');
    expect(known.read('nodeinfo/instance-id.txt')).toBe('i-4e7cb59a\n');
    expect(server.imdsRequests).toEqual([]);
  });
});
