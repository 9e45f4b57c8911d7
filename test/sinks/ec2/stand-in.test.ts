import net from 'node:net';
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeEc2Error } from '../../../src/sinks/ec2/errors';
import { readInstanceMetadata } from '../../../src/sinks/ec2/imds';
import { startEc2StandIn, type Ec2StandIn } from '../../helpers/ec2-server';

// As nodegrid does in its own process: the SDK's Node 20 notice would clutter the test output.
vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

// The AWS documentation's example credentials: never real, and the secret is secret-shaped.
const ACCESS_KEY_ID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

const servers: Ec2StandIn[] = [];
const clients: EC2Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function standIn(options: Parameters<typeof startEc2StandIn>[0] = {}): Promise<Ec2StandIn> {
  const server = await startEc2StandIn(options);
  servers.push(server);
  return server;
}

function sdk(server: Ec2StandIn, accessKeyId = ACCESS_KEY_ID): EC2Client {
  const client = new EC2Client({ region: 'us-west-2', endpoint: server.url, credentials: { accessKeyId, secretAccessKey: SECRET }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

describe('the EC2 stand-in, driven by the real AWS SDK', () => {
  it('takes CreateTags in the Query wire format, signed with SigV4 for the right region', async () => {
    const server = await standIn();
    server.addInstance({ id: 'i-4e7cb59a', tags: { Name: 'db' } });
    await sdk(server).send(new CreateTagsCommand({ Resources: ['i-4e7cb59a'], Tags: [{ Key: 'add:state', Value: 'setup' }] }));
    expect(server.tagsOf('i-4e7cb59a')).toEqual({ Name: 'db', 'add:state': 'setup' });
    const call = server.calls[0]!;
    expect(call.action).toBe('CreateTags');
    expect(call.params.get('Version')).toBe('2016-11-15');
    expect(call.params.get('ResourceId.1')).toBe('i-4e7cb59a');
    expect(call.params.get('Tag.1.Key')).toBe('add:state');
    expect(call.region).toBe('us-west-2');
  });

  it('answers unsigned requests and unknown keys with AuthFailure (401) in EC2 error XML', async () => {
    const server = await standIn();
    const unsigned = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeInstances&Version=2016-11-15' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toMatch(/<Response><Errors><Error><Code>AuthFailure<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]+<\/RequestID><\/Response>/);

    const error = await sdk(server, 'AKIDWRONGEXAMPLE').send(new DescribeInstancesCommand({})).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AuthFailure');
    const described = describeEc2Error(error, 'DescribeInstances', server.url);
    expect(described.kind).toBe('credentials');
    expect(described.message).toContain('EC2 refused the AWS credentials (AuthFailure, HTTP 401)');
    expect(described.message).not.toContain(SECRET);
    expect(described.permanent).toBe(false);
  });

  it('throttles with RequestLimitExceeded (503), which the SDK calls a server fault and nodegrid calls throttling', async () => {
    const server = await standIn();
    server.addInstance({ id: 'i-4e7cb59a' });
    server.throttleNext(1);
    const error = await sdk(server).send(new CreateTagsCommand({ Resources: ['i-4e7cb59a'], Tags: [{ Key: 'add:state', Value: 'setup' }] })).catch((e: unknown) => e);
    expect((error as { $fault: string }).$fault).toBe('server');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(503);
    const described = describeEc2Error(error, 'CreateTags on i-4e7cb59a', server.url);
    expect(described.kind).toBe('throttled');
    expect(described.message).toBe('ec2: CreateTags on i-4e7cb59a was throttled by EC2 (RequestLimitExceeded)');
    expect(server.tagsOf('i-4e7cb59a')).toEqual({});
  });

  it('reports an unknown instance as InvalidInstanceID.NotFound, a refusal retrying cannot fix', async () => {
    const server = await standIn();
    const error = await sdk(server).send(new CreateTagsCommand({ Resources: ['i-0123456789abcdef0'], Tags: [{ Key: 'add:state', Value: 'setup' }] })).catch((e: unknown) => e);
    const described = describeEc2Error(error, 'CreateTags on i-0123456789abcdef0', 'us-west-2');
    expect(described).toMatchObject({ kind: 'not-found', code: 'InvalidInstanceID.NotFound', permanent: true });
    expect(described.message).toContain("The instance ID 'i-0123456789abcdef0' does not exist");
  });

  it('pages DescribeInstances with NextToken and filters by tag', async () => {
    const server = await standIn({ pageSize: 5 });
    for (let i = 0; i < 12; i++) server.addInstance({ id: `i-${String(i).padStart(8, 'a')}`, tags: { 'add:deployment': i % 3 === 0 ? 'fed2' : 'fed1' } });
    const seen: string[] = [];
    for await (const page of paginateDescribeInstances({ client: sdk(server), pageSize: 1000 }, { Filters: [{ Name: 'tag:add:deployment', Values: ['fed1'] }] })) {
      for (const reservation of page.Reservations ?? []) for (const instance of reservation.Instances ?? []) seen.push(instance.InstanceId!);
    }
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    expect(server.calls.filter((call) => call.action === 'DescribeInstances')).toHaveLength(2);
    expect(server.calls[1]!.params.get('NextToken')).toBeTruthy();
    expect(server.calls[0]!.params.get('Filter.1.Name')).toBe('tag:add:deployment');
  });
});

describe('IMDSv2', () => {
  it('reads the instance id and region with a session token; a GET without the token gets 401', async () => {
    const server = await standIn({ metadata: { instanceId: 'i-0123456789abcdef0', region: 'eu-north-1' } });
    expect((await fetch(`${server.url}/latest/meta-data/instance-id`)).status).toBe(401);
    const metadata = await readInstanceMetadata({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: server.url } });
    expect(metadata).toEqual({ instanceId: 'i-0123456789abcdef0', region: 'eu-north-1' });
    expect(server.imdsRequests).toEqual(expect.arrayContaining(['PUT /latest/api/token', 'GET /latest/meta-data/instance-id', 'GET /latest/meta-data/placement/region']));
  });

  it('gives up quickly and says so when nothing answers', async () => {
    const server = await standIn();
    const closedUrl = server.url;
    await servers.pop()!.close();
    const started = Date.now();
    const error = (await readInstanceMetadata({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: closedUrl } }).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(2500); // refused at once; the margin is for a busy CI machine
    expect(error.message).toContain(`the EC2 instance metadata service at ${closedUrl} is not reachable`);
    expect(error.message).toContain('not running on EC2?');
  });

  it('gives up after about a second on an address that accepts but never answers, as 169.254.169.254 does off EC2', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const started = Date.now();
      const error = (await readInstanceMetadata({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint } }).catch((e: unknown) => e)) as Error;
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(3000); // the 1 s bound, plus a busy machine's margin
      expect(error.message).toContain('(no answer within 1000 ms)');
    } finally {
      silent.close();
    }
  });
});
