import * as z from 'zod/mini';
import { SEVERITIES } from '../../core/lifecycle';
import { duration } from '../duration';
import { SINK_NAME } from './outbox';

export const CHAT_TYPES = ['slack', 'mattermost', 'rocketchat', 'discord', 'teams', 'hipchat', 'webhook'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

const destination = z
  .strictObject({
    name: z.string().check(z.regex(SINK_NAME, 'a destination name is 1-64 characters from A-Z a-z 0-9 . _ -')),
    type: z.enum(CHAT_TYPES),
    /** Any http(s) URL: the service's webhook, a proxy, a self-hosted server. Treated as a secret. */
    url: z.url({ protocol: /^https?$/ }),
    minSeverity: z._default(z.enum(SEVERITIES), 'chatty'),
    /** Only events whose (new) state is one of these. */
    states: z.optional(z.array(z.string())),
    /** Only events of nodes in one of these deployments. */
    deployments: z.optional(z.array(z.string())),
    /** "monitor": nodes send only critical events; the monitor posts grid-wide digests. */
    via: z._default(z.enum(['node', 'monitor']), 'node'),
    /** Least time between two posts of this node to this destination (default 1 s; 0 for type webhook). Slack allows about one per second. */
    minIntervalSeconds: z.optional(duration('s')),
    /** One HTTP request may take this long before it counts as failed (and is retried). */
    timeoutSeconds: z._default(duration('s'), 10),
    /** hipchat: the room name or id. */
    room: z.optional(z.string().check(z.minLength(1))),
    /** hipchat: the room notification token (sent as a Bearer header). */
    token: z.optional(z.string().check(z.minLength(1))),
    /** webhook: the HMAC-SHA256 signing secret. */
    secret: z.optional(z.string().check(z.minLength(8))),
  })
  .check(
    z.superRefine((value, ctx) => {
      const need = (key: 'room' | 'token' | 'secret', why: string): void => {
        if (value[key] === undefined) ctx.issues.push({ code: 'custom', input: undefined, path: [key], message: `required for type ${value.type}: ${why}` });
      };
      if (value.type === 'hipchat') {
        need('room', 'the room to notify');
        need('token', 'a room notification token');
      }
      if (value.type === 'webhook') need('secret', 'receivers verify X-Nodegrid-Signature with it (at least 8 characters)');
    }),
  );

export const chatSection = z._default(
  z.strictObject({
    destinations: z._default(
      z.array(destination).check(
        z.superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((entry, index) => {
            // Two destinations of one name would share one outbox queue.
            if (seen.has(entry.name)) ctx.issues.push({ code: 'custom', input: undefined, path: [index, 'name'], message: `duplicate destination name ${entry.name}` });
            seen.add(entry.name);
          });
        }),
      ),
      [],
    ),
  }),
  { destinations: [] },
);
