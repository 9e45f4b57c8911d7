import * as z from 'zod/mini';
import { duration } from '../duration';

const REGION_RULE = 'an AWS region such as us-west-2';
const awsRegion = z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, REGION_RULE)).register(z.globalRegistry, { rules: [REGION_RULE] });
const AWS_PREFIX_RULE = 'the aws: prefix is reserved by AWS';
// Auto Scaling's own limits: hook names are 1-255 of [A-Za-z0-9-_/], group names 1-255 characters.
const HOOK_RULE = '1–255 letters, digits, -, _ or /, as Auto Scaling allows';
const hookName = z.string().check(z.regex(/^[A-Za-z0-9\-_/]{1,255}$/, HOOK_RULE)).register(z.globalRegistry, { rules: [HOOK_RULE] });
const GROUP_RULE = '1–255 characters, no control characters';
const groupName = z.string().check(z.regex(/^[^\u0000-\u001f\u007f]{1,255}$/, GROUP_RULE)).register(z.globalRegistry, { rules: [GROUP_RULE] });

const lifecycleResult = z.enum(['CONTINUE', 'ABANDON']);

const AUTOSCALING_DEFAULTS = { deadlineSeconds: 600, heartbeatEverySeconds: 60, resultOnFailure: 'ABANDON' as const };

const autoscalingSection = z._default(
  z.strictObject({
    lifecycleHook: z.optional(hookName).register(z.globalRegistry, {
      description:
        "The termination lifecycle hook's name: with it, the node calls `RecordLifecycleActionHeartbeat` while leaving takes long and `CompleteLifecycleAction` once it has left (needs `autoscaling:CompleteLifecycleAction`, `autoscaling:RecordLifecycleActionHeartbeat` and, without `groupName`, `autoscaling:DescribeAutoScalingInstances`). Unset: the node still leaves, and tells nobody.",
    }),
    groupName: z.optional(groupName).register(z.globalRegistry, { description: "The Auto Scaling group's name (default: asked with `DescribeAutoScalingInstances`, by the instance id)." }),
    deadlineSeconds: z._default(duration('s', { min: 10 }), AUTOSCALING_DEFAULTS.deadlineSeconds).register(z.globalRegistry, {
      description: 'How long leaving may take once the group asks (drain, decommission, the last word delivered) before the lifecycle action is completed: keep it within what the hook allows (its heartbeat timeout, extended by our heartbeats, up to 48 h).',
    }),
    heartbeatEverySeconds: z._default(duration('s', { min: 1 }), AUTOSCALING_DEFAULTS.heartbeatEverySeconds).register(z.globalRegistry, {
      description: "While leaving takes longer than this, `RecordLifecycleActionHeartbeat` every this often, so the hook keeps waiting: keep it below the hook's heartbeat timeout (30–7200 s; AWS's default 3600).",
    }),
    resultOnFailure: z._default(lifecycleResult, AUTOSCALING_DEFAULTS.resultOnFailure).register(z.globalRegistry, {
      description: "The lifecycle action's result when a drain or decommission script failed or ran out of time (`CONTINUE` after a clean one). On a termination hook both end in termination; `ABANDON` also stops the group's other hooks.",
    }),
  }),
  AUTOSCALING_DEFAULTS,
).register(z.globalRegistry, {
  description:
    'An Auto Scaling group asking the node to leave: a target lifecycle state of `Terminated` or `Warmed:Terminated` in instance metadata (or another `Warmed:*` once the instance has been `InService`) starts a drain, then decommission, within `deadlineSeconds`.',
});

export const ec2Section = z._default(
  z.strictObject({
    enabled: z._default(z.boolean(), false).register(z.globalRegistry, {
      description: 'Off EC2 nothing is asked. On: the id from instance metadata, state as tags, and each `tick` asks instance metadata whether the node must leave (Spot interruption, Auto Scaling).',
    }),
    region: z.optional(awsRegion).register(z.globalRegistry, { description: 'Default: the standard AWS config, then instance metadata.' }),
    tagPrefix: z._default(
      z.string().check(
        z.minLength(1),
        z.maxLength(64),
        z.refine((prefix: string) => !prefix.toLowerCase().startsWith('aws:'), AWS_PREFIX_RULE),
      ).register(z.globalRegistry, { rules: [AWS_PREFIX_RULE] }),
      'add:',
    ).register(z.globalRegistry, { description: 'Prefix of the tags nodegrid writes (`add:state`, `add:statelog`, …).' }),
    autoscaling: autoscalingSection,
  }),
  { enabled: false, tagPrefix: 'add:', autoscaling: AUTOSCALING_DEFAULTS },
);
