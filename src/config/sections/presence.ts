import * as z from 'zod/mini';

const BRANCH = /^[A-Za-z0-9._/-]{1,100}$/;

export const presenceSection = z._default(
  z.strictObject({
    /** One git remote (URL or path); each remote is its own sink queue. */
    remote: z.optional(z.string().check(z.minLength(1))),
    remotes: z.optional(z.array(z.string().check(z.minLength(1)))),
    branch: z._default(z.string().check(z.regex(BRANCH, 'a branch name')), 'main'),
    heartbeat: z._default(
      z.strictObject({
        branch: z.optional(z.string().check(z.regex(BRANCH, 'a branch name'))),
        everyMinutes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1440)), 1),
      }),
      { everyMinutes: 1 },
    ),
    /** Extra allow-listed fields under "value". */
    fields: z._default(z.array(z.enum(['hostname', 'privateIp', 'version'])), []),
    /** Author and committer of presence commits (default: nodegrid <nodegrid@ID>). */
    author: z.optional(z.strictObject({ name: z.string().check(z.minLength(1)), email: z.string().check(z.minLength(1)) })),
    /** How long one delivery may keep retrying a rejected push before it is left to the outbox. */
    pushBudgetSeconds: z._default(z.number().check(z.minimum(1)), 60),
  }),
  { branch: 'main', heartbeat: { everyMinutes: 1 }, fields: [], pushBudgetSeconds: 60 },
);
