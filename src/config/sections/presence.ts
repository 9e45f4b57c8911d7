import * as z from 'zod/mini';
import { duration } from '../duration';
import { SINK_NAME } from './outbox';

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,100}(?<![./])$/;

/**
 * A git remote as git understands it (URL, scp-like "git@host:path", local path).
 * Passed to git as an argument, so it may not start with "-" (an option) or hold
 * whitespace or control characters.
 */
const remoteUrl = z.string().check(
  z.minLength(1),
  z.maxLength(2000),
  z.regex(/^[^-\s\u0000-\u001f\u007f][^\s\u0000-\u001f\u007f]*$/, 'a git remote URL or path (no spaces, not starting with "-")'),
);

const namedRemote = z.strictObject({
  /** The sink is called "presence:<name>" (queue folder, `nodegrid outbox`). */
  name: z.string().check(z.regex(SINK_NAME, 'a remote name is 1-64 characters from A-Z a-z 0-9 . _ -')),
  url: remoteUrl,
});

export const presenceSection = z._default(
  z.strictObject({
    /** One git remote (URL or path): the sink "presence:origin". */
    remote: z.optional(remoteUrl),
    /** Several remotes, each its own sink queue: URLs (named after host and path) or {name, url}. */
    remotes: z.optional(z.array(z.union([remoteUrl, namedRemote]))),
    /** Branch of the current documents; created on an empty remote. */
    branch: z._default(z.string().check(z.regex(BRANCH, 'a branch name')), 'main'),
    heartbeat: z._default(
      z.strictObject({
        /** Default: the same branch. A separate one keeps the main history readable. */
        branch: z.optional(z.string().check(z.regex(BRANCH, 'a branch name'))),
        /**
         * `presence heartbeat` beats at most this often (readers judge staleness in missed beats).
         * Under a minute ("10s", for demos and tests) each beat also records its time, because
         * flattime folders only tell the minute.
         */
        everyMinutes: z._default(duration('m', { min: 1 / 60, max: 1440 }), 1),
      }),
      { everyMinutes: 1 },
    ),
    /** Extra allow-listed fields under "value". */
    fields: z._default(z.array(z.enum(['hostname', 'privateIp', 'version'])), []),
    /** Author and committer of presence commits (default: nodegrid <nodegrid@ID>). */
    author: z.optional(z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(200)), email: z.string().check(z.minLength(1), z.maxLength(200)) })),
    /** How long one delivery may keep retrying a rejected push before it is left to the outbox. */
    pushBudgetSeconds: z._default(duration('s'), 60),
    /** Longest a single git fetch or push may take before it is killed. */
    gitTimeoutSeconds: z._default(duration('s'), 60),
  }),
  { branch: 'main', heartbeat: { everyMinutes: 1 }, fields: [], pushBudgetSeconds: 60, gitTimeoutSeconds: 60 },
);

export type PresenceConfig = z.infer<typeof presenceSection>;
