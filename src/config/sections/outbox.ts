import * as z from 'zod/mini';
import { duration } from '../duration';

export const outboxSection = z._default(
  z.strictObject({
    waitSeconds: z._default(duration('s'), 10).register(z.globalRegistry, {
      description: 'How long `state set` and `notify` may take, delivery included, counted from their start (flag `--wait`, env `NODEGRID_WAIT`).',
    }),
    maxPerSink: z._default(z.number().check(z.int(), z.minimum(10)), 10_000).register(z.globalRegistry, {
      description: 'Events kept per sink queue; heartbeats are dropped first when over.',
    }),
    backoffSeconds: z._default(duration('s'), 5).register(z.globalRegistry, {
      description: 'First retry delay; doubles per failure up to `maxBackoffSeconds`, with jitter.',
    }),
    maxBackoffSeconds: z._default(duration('s'), 600).register(z.globalRegistry, { description: 'Longest delay between two retries of one sink.' }),
    maxPermanentFailures: z._default(z.number().check(z.int(), z.minimum(1)), 3).register(z.globalRegistry, {
      description: "Refusals in a row (4xx, a deleted webhook) before a chat, EC2 or exec sink sets the event aside in its queue's `failed/` folder, loudly (a CRITICAL log line, `nodegrid outbox`, `nodegrid doctor`, the `nodegrid_outbox_set_aside` metric), until `nodegrid outbox retry`. Presence sinks (git, S3) never set a state change aside: they retry with backoff up to `maxBackoffSeconds` until it is delivered or an operator runs `outbox drop`.",
    }),
    stuckAfterSeconds: z._default(duration('s', { min: 1 }), 600).register(z.globalRegistry, {
      description: 'A sink whose oldest undelivered event is older than this is *stuck*: `tick` logs it on every beat and exits 5, `state`, `outbox` and `doctor` show it first.',
    }),
  }),
  { waitSeconds: 10, maxPerSink: 10_000, backoffSeconds: 5, maxBackoffSeconds: 600, maxPermanentFailures: 3, stuckAfterSeconds: 600 },
);

export const SINK_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A list of named destinations, each name once: two of one name would share one outbox queue. */
export function uniquelyNamed<T extends z.ZodMiniType<{ name: string }>>(entry: T): z.ZodMiniArray<T> {
  return z.array(entry).check(
    z.superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((item, index) => {
        if (seen.has(item.name)) ctx.issues.push({ code: 'custom', input: undefined, path: [index, 'name'], message: `duplicate destination name ${item.name}` });
        seen.add(item.name);
      });
    }),
  );
}
const EXEC_NAME_RULE = 'a sink name is 1-64 characters from A-Z a-z 0-9 . _ -';

export const execSinkSection = z.strictObject({
  name: z.string().check(z.regex(SINK_NAME, EXEC_NAME_RULE)).register(z.globalRegistry, {
    rules: [EXEC_NAME_RULE],
    description: 'The sink is called `exec:<name>` (its queue, `nodegrid outbox`).',
  }),
  command: z.string().check(z.minLength(1)).register(z.globalRegistry, {
    description: 'Run by `/bin/sh` with the event JSON on stdin; a non-zero exit means retry.',
  }),
  timeoutSeconds: z._default(duration('s'), 30).register(z.globalRegistry, { description: 'The command is killed and the event retried after this long.' }),
  kinds: z._default(z.array(z.enum(['state', 'heartbeat', 'notify'])), ['state', 'notify']).register(z.globalRegistry, {
    description: 'Event kinds sent to the command.',
  }),
});

export const sinksSection = z._default(
  z.strictObject({
    exec: z._default(z.array(execSinkSection), []).register(z.globalRegistry, { description: 'Commands that receive each event.' }),
  }),
  { exec: [] },
);
