import * as z from 'zod/mini';
import { SEVERITIES } from '../../core/lifecycle';
import { SINK_NAME } from './outbox';

export const CHAT_TYPES = ['slack', 'mattermost', 'rocketchat', 'discord', 'teams', 'hipchat', 'webhook'] as const;

const destination = z.strictObject({
  name: z.string().check(z.regex(SINK_NAME, 'a destination name is 1-64 characters from A-Z a-z 0-9 . _ -')),
  type: z.enum(CHAT_TYPES),
  /** Any http(s) URL: the service's webhook, a proxy, a self-hosted server. */
  url: z.url({ protocol: /^https?$/ }),
  minSeverity: z._default(z.enum(SEVERITIES), 'chatty'),
  states: z.optional(z.array(z.string())),
  deployments: z.optional(z.array(z.string())),
  /** "monitor": nodes send only critical events; the monitor posts grid-wide digests. */
  via: z._default(z.enum(['node', 'monitor']), 'node'),
  /** hipchat: the room. */
  room: z.optional(z.string()),
  /** hipchat: the bearer token. */
  token: z.optional(z.string()),
  /** webhook: the HMAC secret. */
  secret: z.optional(z.string()),
});

export const chatSection = z._default(
  z.strictObject({
    destinations: z._default(z.array(destination), []),
  }),
  { destinations: [] },
);
