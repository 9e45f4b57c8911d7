import * as z from 'zod/mini';
import { duration } from '../duration';

export const heartbeatSection = z._default(
  z.strictObject({
    /** The git repos this node follows (default /root/gitrepo as root, as in the original). */
    repoDir: z.optional(z.string().check(z.minLength(1))),
    intervalSeconds: z._default(duration('s'), 60),
    jitterSeconds: z._default(duration('s'), 0),
    workTimeoutSeconds: z._default(duration('s'), 600),
    wedgeAfterFailures: z._default(z.number().check(z.int(), z.minimum(1)), 3),
    /** Only changes under these paths trigger work (default: any change). */
    watch: z.optional(z.array(z.string())),
  }),
  { intervalSeconds: 60, jitterSeconds: 0, workTimeoutSeconds: 600, wedgeAfterFailures: 3 },
);
