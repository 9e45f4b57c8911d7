import * as z from 'zod/mini';
import { duration } from '../duration';

export const outboxSection = z._default(
  z.strictObject({
    /** How long `state set` tries to deliver before returning (flag --wait). */
    waitSeconds: z._default(duration('s'), 10),
    /** Events kept per sink queue; heartbeats are dropped first when over. */
    maxPerSink: z._default(z.number().check(z.int(), z.minimum(10)), 10_000),
    /** First retry delay; doubles per failure up to maxBackoffSeconds, with jitter. */
    backoffSeconds: z._default(duration('s'), 5),
    maxBackoffSeconds: z._default(duration('s'), 600),
    /** Refusals in a row (4xx, a deleted webhook) before a chat, EC2 or exec sink sets the event aside; presence sinks never do. */
    maxPermanentFailures: z._default(z.number().check(z.int(), z.minimum(1)), 3),
    /** A sink with an event undelivered for longer than this is stuck: tick exits 5, state, outbox and doctor say so. */
    stuckAfterSeconds: z._default(duration('s', { min: 1 }), 600),
  }),
  { waitSeconds: 10, maxPerSink: 10_000, backoffSeconds: 5, maxBackoffSeconds: 600, maxPermanentFailures: 3, stuckAfterSeconds: 600 },
);

export const SINK_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export const execSinkSection = z.strictObject({
  name: z.string().check(z.regex(SINK_NAME, 'a sink name is 1-64 characters from A-Z a-z 0-9 . _ -')),
  /** Run by /bin/sh with the event JSON on stdin; non-zero exit means retry. */
  command: z.string().check(z.minLength(1)),
  timeoutSeconds: z._default(duration('s'), 30),
  /** Event kinds sent to the command (default: state and notify). */
  kinds: z._default(z.array(z.enum(['state', 'heartbeat', 'notify'])), ['state', 'notify']),
});

export const sinksSection = z._default(
  z.strictObject({
    exec: z._default(z.array(execSinkSection), []),
  }),
  { exec: [] },
);
