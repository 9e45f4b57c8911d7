import { AutoScalingClient, CompleteLifecycleActionCommand, DescribeAutoScalingInstancesCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { completeLifecycleAction, groupOfInstance, openAutoScaling, recordLifecycleHeartbeat } from '../../../src/sinks/ec2/autoscaling';
import { readEc2LeaveSignals, spotSignal } from '../../../src/sinks/ec2/leave-signals';
import { AUTOSCALING_NAMESPACE, awsEnvFor, startEc2StandIn, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, type Ec2StandIn } from '../../helpers/ec2-server';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

const ID = 'i-0a1b2c3d4e5f60718';
const servers: Ec2StandIn[] = [];
const clients: AutoScalingClient[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function standIn(): Promise<Ec2StandIn> {
  const server = await startEc2StandIn({ metadata: { instanceId: ID, region: 'us-west-2' } });
  servers.push(server);
  server.addAutoScalingGroup({ name: 'fed1-app1', instanceIds: [ID], hooks: ['drain-first'] });
  return server;
}

function sdk(server: Ec2StandIn, accessKeyId = TEST_ACCESS_KEY_ID): AutoScalingClient {
  const client = new AutoScalingClient({ region: 'us-west-2', endpoint: server.url, credentials: { accessKeyId, secretAccessKey: TEST_SECRET_ACCESS_KEY }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

describe('the Auto Scaling stand-in, driven by the real AWS SDK', () => {
  it('answers DescribeAutoScalingInstances in the Query wire format (InstanceIds.member.N in, members out), signed for autoscaling', async () => {
    const server = await standIn();
    const answer = await sdk(server).send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [ID] }));
    expect(answer.AutoScalingInstances).toEqual([expect.objectContaining({ InstanceId: ID, AutoScalingGroupName: 'fed1-app1', LifecycleState: 'InService', HealthStatus: 'HEALTHY' })]);
    const [call] = server.autoScalingCalls();
    expect(call).toMatchObject({ service: 'autoscaling', action: 'DescribeAutoScalingInstances', region: 'us-west-2', status: 200 });
    expect(call!.params.get('Version')).toBe('2011-01-01');
    expect(call!.params.get('InstanceIds.member.1')).toBe(ID);
  });

  it('keeps a lifecycle action from a leaving target state until it is completed, and refuses one that is not active with ValidationError', async () => {
    const server = await standIn();
    const client = sdk(server);
    const action = { AutoScalingGroupName: 'fed1-app1', LifecycleHookName: 'drain-first', InstanceId: ID };
    const early = (await client.send(new CompleteLifecycleActionCommand({ ...action, LifecycleActionResult: 'CONTINUE' })).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(early.name).toBe('ValidationError');
    expect(early.message).toBe(`No active Lifecycle Action found with instance ID ${ID}`);
    expect(early.$metadata.httpStatusCode).toBe(400);

    server.setTargetLifecycleState(ID, 'Terminated');
    await client.send(new RecordLifecycleActionHeartbeatCommand(action));
    expect((await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [ID] }))).AutoScalingInstances?.[0]?.LifecycleState).toBe('Terminating:Wait');
    await client.send(new CompleteLifecycleActionCommand({ ...action, LifecycleActionResult: 'CONTINUE' }));
    expect((await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [ID] }))).AutoScalingInstances?.[0]?.LifecycleState).toBe('Terminating:Proceed');
    const twice = (await client.send(new CompleteLifecycleActionCommand({ ...action, LifecycleActionResult: 'CONTINUE' })).catch((e: unknown) => e)) as Error;
    expect(twice.name).toBe('ValidationError');

    const wrongHook = (await client.send(new RecordLifecycleActionHeartbeatCommand({ ...action, LifecycleHookName: 'other' })).catch((e: unknown) => e)) as Error;
    expect(wrongHook.message).toBe('No Lifecycle Hook found for Auto Scaling group fed1-app1 with name other');
    const completed = server.autoScalingCalls().filter((call) => call.action === 'CompleteLifecycleAction' && call.status === 200);
    expect(completed.map((call) => Object.fromEntries(call.params))).toEqual([
      { Action: 'CompleteLifecycleAction', Version: '2011-01-01', AutoScalingGroupName: 'fed1-app1', LifecycleHookName: 'drain-first', InstanceId: ID, LifecycleActionResult: 'CONTINUE' },
    ]);
  });

  it('answers unknown keys with InvalidClientTokenId and throttles with Throttling, in the Query error document', async () => {
    const server = await standIn();
    const denied = (await sdk(server, 'AKIDWRONGEXAMPLE').send(new DescribeAutoScalingInstancesCommand({})).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(denied.name).toBe('InvalidClientTokenId');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    server.throttleAutoScalingNext(1);
    const throttled = (await sdk(server).send(new DescribeAutoScalingInstancesCommand({})).catch((e: unknown) => e)) as Error;
    expect(throttled.name).toBe('Throttling');
    const raw = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-amz-date': '20260301T000000Z', authorization: `AWS4-HMAC-SHA256 Credential=${TEST_ACCESS_KEY_ID}/20260301/us-west-2/autoscaling/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}` },
      body: 'Action=CompleteLifecycleAction&Version=2011-01-01&AutoScalingGroupName=fed1-app1&LifecycleHookName=drain-first&InstanceId=i-0a1b2c3d4e5f60718&LifecycleActionResult=CONTINUE',
    });
    expect(await raw.text()).toMatch(
      new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<ErrorResponse xmlns="${AUTOSCALING_NAMESPACE.replaceAll('.', '\\.')}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>No active Lifecycle Action found with instance ID ${ID}</Message></Error><RequestId>[0-9a-f-]+</RequestId></ErrorResponse>$`),
    );
  });
});

describe("nodegrid's Auto Scaling calls", () => {
  it('finds the group, records a heartbeat and completes by instance id, waiting out throttling', async () => {
    const server = await standIn();
    server.setTargetLifecycleState(ID, 'Terminated');
    // As in a nodegrid process: the SDK takes its endpoint and credentials from the environment.
    for (const [key, value] of Object.entries(awsEnvFor(server))) vi.stubEnv(key, value);
    const connection = await openAutoScaling({});
    try {
      server.throttleAutoScalingNext(2);
      expect(await groupOfInstance(connection, ID, 20_000)).toBe('fed1-app1');
      expect(await groupOfInstance(connection, 'i-0ffffffffffffffff', 20_000)).toBeUndefined();
      const target = { groupName: 'fed1-app1', hookName: 'drain-first', instanceId: ID };
      await recordLifecycleHeartbeat(connection, target, 20_000);
      await completeLifecycleAction(connection, target, 'ABANDON', 20_000);
      expect(server.autoScalingCalls().map((call) => `${call.action} ${call.status}`)).toEqual([
        'DescribeAutoScalingInstances 400',
        'DescribeAutoScalingInstances 400',
        'DescribeAutoScalingInstances 200',
        'DescribeAutoScalingInstances 200',
        'RecordLifecycleActionHeartbeat 200',
        'CompleteLifecycleAction 200',
      ]);
      expect(server.autoScalingCalls().at(-1)!.params.get('LifecycleActionResult')).toBe('ABANDON');
      // A refusal is not retried, and says what was refused.
      const error = (await completeLifecycleAction(connection, target, 'CONTINUE', 20_000).catch((e: unknown) => e)) as Error;
      expect(error.message).toBe(
        `autoscaling: CompleteLifecycleAction CONTINUE for ${ID} (hook drain-first of fed1-app1): Auto Scaling rejected the request (ValidationError, HTTP 400): No active Lifecycle Action found with instance ID ${ID}`,
      );
    } finally {
      connection.client.destroy();
    }
  });
});

describe('leave signals in instance metadata', () => {
  it('reads nothing while both items are 404, then a Spot notice and a leaving target state; InService is staying', async () => {
    const server = await standIn();
    const env = awsEnvFor(server);
    const now = Date.parse('2026-03-01T18:39:17Z');
    const read = (servedBefore: boolean) => readEc2LeaveSignals({ autoscalingDeadlineMs: 600_000, now, servedBefore, env });
    expect(await read(false)).toEqual({ signals: [], problems: [] });
    server.setTargetLifecycleState(ID, 'InService');
    expect(await read(false)).toEqual({ signals: [], problems: [], target: 'InService' });

    server.setMetadataItem('spot/instance-action', '{"action": "terminate", "time": "2026-03-01T18:41:17Z"}');
    server.setTargetLifecycleState(ID, 'Warmed:Stopped');
    expect((await read(true)).signals).toEqual([
      { source: 'spot', id: 'spot:terminate:2026-03-01T18:41:17Z', step: 'drain', deadlineMs: 120_000, note: 'spot interruption: terminate at 18:41:17 UTC' },
      { source: 'autoscaling', id: 'autoscaling:Warmed:Stopped', step: 'drain', deadlineMs: 600_000, note: 'autoscaling: target lifecycle state Warmed:Stopped' },
    ]);
    expect(server.imdsRequests.filter((request) => request.startsWith('PUT'))).toHaveLength(3);
  });

  it('reads a warm pool state as leaving only once the instance has served; termination always', async () => {
    const server = await standIn();
    const env = awsEnvFor(server);
    const read = async (servedBefore: boolean) => (await readEc2LeaveSignals({ autoscalingDeadlineMs: 600_000, now: 0, servedBefore, env })).signals.map((signal) => signal.id);
    for (const warm of ['Warmed:Stopped', 'Warmed:Running', 'Warmed:Hibernated']) {
      server.setTargetLifecycleState(ID, warm);
      // Launched into the warm pool: being prepared to serve, not leaving.
      expect(await read(false), warm).toEqual([]);
      expect(await read(true), warm).toEqual([`autoscaling:${warm}`]);
    }
    for (const terminating of ['Terminated', 'Warmed:Terminated']) {
      server.setTargetLifecycleState(ID, terminating);
      expect(await read(false), terminating).toEqual([`autoscaling:${terminating}`]);
    }
    for (const staying of ['Standby', 'Detached']) {
      server.setTargetLifecycleState(ID, staying);
      expect(await read(true), staying).toEqual([]);
    }
  });

  it('names what is wrong with a malformed notice instead of acting on it', () => {
    expect(spotSignal('<html>', 0)).toBe('spot/instance-action is not JSON (6 bytes)');
    expect(spotSignal('{"action": "reboot", "time": "2026-03-01T18:41:17Z"}', 0)).toBe('spot/instance-action has no action terminate, stop or hibernate');
    expect(spotSignal('{"action": "stop", "time": "tomorrow"}', 0)).toBe('spot/instance-action has no UTC time for its stop');
    expect(spotSignal('{"action": "hibernate", "time": "2026-03-01T18:41:17Z"}', Date.parse('2026-03-02T00:00:00Z'))).toMatchObject({ deadlineMs: 1000, note: 'spot interruption: hibernate at 2026-03-01 18:41:17 UTC' });
  });
});
