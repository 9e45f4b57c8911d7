import * as z from 'zod/mini';
import { duration } from '../duration';

export const heartbeatSection = z._default(
  z.strictObject({
    repoDir: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, {
      description: 'The git repos this node follows (flag `--repo-dir`, env `NODEGRID_REPO_DIR`; default `/root/gitrepo` as root, as in the original, else `~/gitrepo`).',
    }),
    intervalSeconds: z._default(duration('s'), 60).register(z.globalRegistry, { description: 'Time between two beats of `nodegrid agent`.' }),
    jitterSeconds: z._default(duration('s'), 0).register(z.globalRegistry, {
      description: 'Each node delays its beat by a fixed share of this (derived from its id), so a large grid does not hit the git host in the same second.',
    }),
    workTimeoutSeconds: z._default(duration('s'), 600).register(z.globalRegistry, {
      description: 'A work script still running after this long is killed with its children and counts as a failure.',
    }),
    wedgeAfterFailures: z._default(z.number().check(z.int(), z.minimum(1)), 3).register(z.globalRegistry, {
      description: 'Failed work runs in a row before the node goes `wedged`.',
    }),
    noWorkStates: z._default(z.array(z.string().check(z.minLength(1))), ['draining', 'drained', 'decommissioned']).register(z.globalRegistry, {
      description: 'States in which `tick` pulls nothing and starts no work but keeps beating: a node leaving service (`[]`: work in every state).',
    }),
    answerRequests: z._default(z.boolean(), true).register(z.globalRegistry, {
      description: 'Each beat reads the requests written for this node in presence (`nodegrid request drain|decommission|undrain`) and acts on each once. With heartbeats on their own branch this costs one more fetch of `presence.branch` per beat; on S3 one LIST.',
    }),
    watch: z.optional(z.array(z.string())).register(z.globalRegistry, { description: 'Only changes under these paths trigger work (default: any change).' }),
  }),
  { intervalSeconds: 60, jitterSeconds: 0, workTimeoutSeconds: 600, wedgeAfterFailures: 3, noWorkStates: ['draining', 'drained', 'decommissioned'], answerRequests: true },
);
