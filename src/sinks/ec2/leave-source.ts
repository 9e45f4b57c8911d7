import type { Config } from '../../config/schema';
import type { LeaveOutcome, LeaveSignal, LeaveSignalSource } from '../../core/leave-signal';
import type { AutoScalingConnection, LifecycleHookTarget } from './autoscaling';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../sys/files';
import { IN_SERVICE, readEc2LeaveSignals } from './leave-signals';

/**
 * EC2 as a source of leave signals: instance metadata says a Spot
 * interruption or an Auto Scaling target state is coming; with
 * ec2.autoscaling.lifecycleHook, the group's hook is kept waiting while the
 * node leaves and completed once it has. The Auto Scaling SDK loads only then.
 */
type Ec2Config = Config['ec2'];
type AutoScalingModule = typeof import('./autoscaling');

/** Auto Scaling calls get this long, retries for throttling included. */
const CALL_BUDGET_MS = 20_000;

/**
 * `servedFile`: written the first time the target lifecycle state reads
 * InService, so that a later Warmed:* means "back to the warm pool" (leave)
 * rather than "being prepared in it" (stay); see leave-signals.ts.
 */
export function ec2LeaveSource(config: Ec2Config, options: { instanceId: () => string; servedFile: string; env?: Readonly<Record<string, string | undefined>> }): LeaveSignalSource {
  const hook = config.autoscaling.lifecycleHook;
  let api: { module: AutoScalingModule; connection: AutoScalingConnection } | undefined;
  let groupName = config.autoscaling.groupName;

  const target = async (): Promise<{ module: AutoScalingModule; connection: AutoScalingConnection; target: LifecycleHookTarget }> => {
    if (!api) {
      const module = await import('./autoscaling');
      api = { module, connection: await module.openAutoScaling(config, options.env) };
    }
    const instanceId = options.instanceId();
    groupName ??= await api.module.groupOfInstance(api.connection, instanceId, CALL_BUDGET_MS);
    if (!groupName) throw new Error(`autoscaling: ${instanceId} is in no Auto Scaling group (DescribeAutoScalingInstances at ${api.connection.where}); set ec2.autoscaling.groupName, or unset lifecycleHook`);
    return { ...api, target: { groupName, hookName: hook!, instanceId } };
  };
  const ours = (signal: LeaveSignal): boolean => hook !== undefined && signal.source === 'autoscaling';

  return {
    name: 'ec2',
    asks: ['spot', 'autoscaling'],
    async read(now) {
      const servedBefore = fs.existsSync(options.servedFile);
      const reading = await readEc2LeaveSignals({ autoscalingDeadlineMs: config.autoscaling.deadlineSeconds * 1000, now, servedBefore, env: options.env ?? process.env });
      if (reading.target === IN_SERVICE && !servedBefore) {
        fs.mkdirSync(path.dirname(options.servedFile), { recursive: true });
        writeFileAtomic(options.servedFile, `${JSON.stringify({ target: IN_SERVICE, at: new Date(now).toISOString() })}\n`);
      }
      return reading;
    },
    keepWaitingEveryMs: config.autoscaling.heartbeatEverySeconds * 1000,
    async keepWaiting(signal) {
      if (!ours(signal)) return undefined;
      const { module, connection, target: hookTarget } = await target();
      await module.recordLifecycleHeartbeat(connection, hookTarget, CALL_BUDGET_MS);
      return `RecordLifecycleActionHeartbeat for ${hookTarget.instanceId} (hook ${hookTarget.hookName} of ${hookTarget.groupName})`;
    },
    async answer(signal: LeaveSignal, outcome: LeaveOutcome) {
      if (!ours(signal)) return undefined;
      const result = outcome.left ? 'CONTINUE' : config.autoscaling.resultOnFailure;
      const { module, connection, target: hookTarget } = await target();
      await module.completeLifecycleAction(connection, hookTarget, result, CALL_BUDGET_MS);
      return `CompleteLifecycleAction ${result} for ${hookTarget.instanceId} (hook ${hookTarget.hookName} of ${hookTarget.groupName})`;
    },
  };
}
