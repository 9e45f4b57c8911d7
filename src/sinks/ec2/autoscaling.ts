import { AutoScalingClient, CompleteLifecycleActionCommand, DescribeAutoScalingInstancesCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { backoffDelayMs } from '../../sys/backoff';
import { sleep } from '../../sys/sleep';
import { AUTOSCALING_SERVICE, describeEc2Error, type Ec2ErrorDescription } from './errors';
import { resolveRegion } from './region';

/**
 * The Auto Scaling API, for a lifecycle hook that waits for this node: find the
 * instance's group, keep the hook waiting while leaving takes long, and
 * complete it. Like ./client, this module imports the SDK statically and is
 * only ever loaded with `await import()`, so the SDK sits in a chunk of its own.
 *
 * Endpoint from the SDK's own AWS_ENDPOINT_URL_AUTO_SCALING / AWS_ENDPOINT_URL;
 * credentials from its default chain (the instance role on EC2).
 */
export interface AutoScalingConnection {
  readonly client: AutoScalingClient;
  readonly where: string;
}

export interface LifecycleHookTarget {
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
}

export class AutoScalingError extends Error {
  constructor(readonly description: Ec2ErrorDescription) {
    super(description.message);
    this.name = 'AutoScalingError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export async function openAutoScaling(settings: { region?: string | undefined }, env: Env = process.env): Promise<AutoScalingConnection> {
  const region = await resolveRegion(settings.region, env, async () => {
    const probe = new AutoScalingClient({});
    try {
      return await probe.config.region();
    } finally {
      probe.destroy();
    }
  });
  // Our own retries (below) wait for throttling within the caller's budget; the SDK's would not know it.
  const client = new AutoScalingClient({ region, maxAttempts: 1, requestHandler: { connectionTimeout: 3000, requestTimeout: 15_000 } });
  const endpoint = env.AWS_ENDPOINT_URL_AUTO_SCALING || env.AWS_ENDPOINT_URL;
  return { client, where: endpoint ? `${endpoint} (${region})` : `autoscaling.${region}.amazonaws.com` };
}

/** The group the instance belongs to (DescribeAutoScalingInstances), or undefined when it is in none. */
export async function groupOfInstance(connection: AutoScalingConnection, instanceId: string, budgetMs: number): Promise<string | undefined> {
  const answer = await withRetry(connection, `DescribeAutoScalingInstances of ${instanceId}`, budgetMs, (signal) =>
    connection.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }),
  );
  return answer.AutoScalingInstances?.find((instance) => instance.InstanceId === instanceId)?.AutoScalingGroupName;
}

export async function recordLifecycleHeartbeat(connection: AutoScalingConnection, target: LifecycleHookTarget, budgetMs: number): Promise<void> {
  await withRetry(connection, `RecordLifecycleActionHeartbeat for ${target.instanceId} (hook ${target.hookName} of ${target.groupName})`, budgetMs, (signal) =>
    connection.client.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: target.groupName, LifecycleHookName: target.hookName, InstanceId: target.instanceId }), { abortSignal: signal }),
  );
}

/** By InstanceId: the lifecycle action token is optional then, and IMDS does not carry it. */
export async function completeLifecycleAction(connection: AutoScalingConnection, target: LifecycleHookTarget, result: 'CONTINUE' | 'ABANDON', budgetMs: number): Promise<void> {
  await withRetry(connection, `CompleteLifecycleAction ${result} for ${target.instanceId} (hook ${target.hookName} of ${target.groupName})`, budgetMs, (signal) =>
    connection.client.send(
      new CompleteLifecycleActionCommand({ AutoScalingGroupName: target.groupName, LifecycleHookName: target.hookName, InstanceId: target.instanceId, LifecycleActionResult: result }),
      { abortSignal: signal },
    ),
  );
}

const RETRY = { baseMs: 500, maxMs: 5000, jitter: 'equal' } as const;

/**
 * Throttling (Auto Scaling's `Throttling`), a contended resource (`ResourceContention`,
 * HTTP 500) or a network blip is tried again with backoff until the budget is
 * spent: there is no outbox behind these calls, and the instance may be gone
 * soon. A refusal (a hook or group that does not exist) is not.
 */
async function withRetry<T>(connection: AutoScalingConnection, action: string, budgetMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    try {
      return await call(AbortSignal.timeout(Math.max(1000, left)));
    } catch (error) {
      const description = describeEc2Error(error, action, connection.where, AUTOSCALING_SERVICE);
      const wait = backoffDelayMs(attempt, RETRY);
      const retryable = !description.permanent && description.kind !== 'credentials' && description.kind !== 'permission';
      if (!retryable || Date.now() + wait >= deadline) throw new AutoScalingError(attempt > 1 ? { ...description, message: `${description.message} (after ${attempt} attempts)` } : description);
      await sleep(wait);
    }
  }
}
