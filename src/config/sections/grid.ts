import * as z from 'zod/mini';
import { duration } from '../duration';

export const gridSection = z._default(
  z.strictObject({
    zombieAfterMinutes: z._default(duration('m'), 30).register(z.globalRegistry, { description: 'A node in a setting-up state (`presetup`, `setup`, or one flagged `lifecycle.states.<name>.settingUp`) longer than this is a zombie.' }),
    staleAfterBeats: z._default(z.number().check(z.int(), z.minimum(1)), 3).register(z.globalRegistry, {
      description: 'A node is stale after missing this many beat periods (`presence.heartbeat.everyMinutes`).',
    }),
    deployments: z._default(
      z.record(
        z.string().check(z.minLength(1)),
        z.strictObject({
          zombieAfterMinutes: z.optional(duration('m')).register(z.globalRegistry, { description: 'This deployment\'s `grid.zombieAfterMinutes` (a slow-booting database may take longer to set up).' }),
          staleAfterBeats: z.optional(z.number().check(z.int(), z.minimum(1))).register(z.globalRegistry, { description: 'This deployment\'s `grid.staleAfterBeats` (more grace for nodes behind a slow link).' }),
        }),
      ),
      {},
    ).register(z.globalRegistry, {
      description: 'Thresholds per deployment, by its name (as healthchecks.io has per check): a key left out takes the grid-wide value.',
    }),
    stuckDrainingMinutes: z._default(duration('m'), 60).register(z.globalRegistry, {
      description: 'A node `draining` longer than this is `stuck` (a drain whose script failed or ran past its deadline is stuck at once, and so is a `drained` node whose decommission failed); 0: only a failed step.',
    }),
    remindEveryMinutes: z._default(duration('m'), 240).register(z.globalRegistry, {
      description: 'The monitor reminds, in one critical line, of every node still stale, zombie, stuck or wedged this long after the trouble was first seen or last reminded (`4h`; 0: never).',
    }),
    massSilenceRatio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.25).register(z.globalRegistry, {
      description: 'Monitor self-preservation: more than this share of alive nodes silent at once is an observer fault.',
    }),
    workingStates: z._default(z.array(z.string().check(z.minLength(1))), ['initdone', 'running']).register(z.globalRegistry, {
      description: 'States in which `find` counts a node as a partner (plausibly live: a recent beat and one of these).',
    }),
    probeTimeoutSeconds: z._default(duration('s'), 3).register(z.globalRegistry, {
      description: '`find --probe`: how long a TCP connect or HTTP GET may take.',
    }),
    dashboardUrl: z.optional(z.url({ protocol: /^https?$/ })).register(z.globalRegistry, {
      description: 'Where people open `nodegrid serve` (`https://grid.example.com/`): pages link to the node\'s panel there.',
    }),
    beatLookbackHours: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(24 * 30)), 24).register(z.globalRegistry, {
      description: "Readers look this far back for each node's latest heartbeat (an older one is reported as none).",
    }),
  }),
  { zombieAfterMinutes: 30, staleAfterBeats: 3, deployments: {}, stuckDrainingMinutes: 60, remindEveryMinutes: 240, massSilenceRatio: 0.25, workingStates: ['initdone', 'running'], probeTimeoutSeconds: 3, beatLookbackHours: 24 },
);

export type GridConfig = z.infer<typeof gridSection>;
