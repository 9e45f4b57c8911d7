import * as z from 'zod/mini';
import { SEVERITIES } from '../../core/lifecycle';
import { duration } from '../duration';
import { SINK_NAME, uniquelyNamed } from './outbox';

export const CHAT_TYPES = ['slack', 'mattermost', 'rocketchat', 'discord', 'teams', 'hipchat', 'webhook'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

const DESTINATION_NAME_RULE = 'a destination name is 1-64 characters from A-Z a-z 0-9 . _ -';
const STANDARD_SECRET_RULE = '`whsec_` and the base64 of 24-64 random bytes (`echo whsec_$(openssl rand -base64 32)`)';

/**
 * The key of a Standard Webhooks symmetric secret ("whsec_" + base64; the
 * spec asks for 24 to 64 random bytes), undefined when it is not one.
 */
export function standardWebhookKey(secret: string): Buffer | undefined {
  const base64 = /^whsec_((?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/.exec(secret)?.[1];
  if (base64 === undefined) return undefined;
  const key = Buffer.from(base64, 'base64');
  return key.length >= 24 && key.length <= 64 ? key : undefined;
}

const destination = z
  .strictObject({
    name: z.string().check(z.regex(SINK_NAME, DESTINATION_NAME_RULE)).register(z.globalRegistry, {
      rules: [DESTINATION_NAME_RULE],
      description: 'Names the destination in `nodegrid outbox` and `chat test --destination`.',
    }),
    type: z.enum(CHAT_TYPES).register(z.globalRegistry, {
      description: 'The message format the receiver speaks (`webhook`: signed JSON to any HTTP endpoint).',
    }),
    url: z.url({ protocol: /^https?$/ }).register(z.globalRegistry, {
      description: "Any http(s) URL: the service's webhook, a proxy, a self-hosted server. Treated as a secret.",
    }),
    minSeverity: z._default(z.enum(SEVERITIES), 'chatty').register(z.globalRegistry, {
      description: 'Only events at least this severe (`critical` for a pager room).',
    }),
    states: z.optional(z.array(z.string())).register(z.globalRegistry, { description: 'Only events whose (new) state is one of these.' }),
    deployments: z.optional(z.array(z.string())).register(z.globalRegistry, { description: 'Only events of nodes in one of these deployments.' }),
    via: z._default(z.enum(['node', 'monitor']), 'node').register(z.globalRegistry, {
      description: '`monitor`: nodes send only critical events; the monitor posts grid-wide digests.',
    }),
    minIntervalSeconds: z.optional(duration('s')).register(z.globalRegistry, {
      description: 'Least time between two posts of this node to this destination (default 1 s; 0 for type `webhook`). Slack allows about one per second.',
    }),
    timeoutSeconds: z._default(duration('s'), 10).register(z.globalRegistry, {
      description: 'One HTTP request may take this long before it counts as failed (and is retried).',
    }),
    room: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, { description: '`hipchat` (required there): the room name or id.' }),
    token: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, {
      description: '`hipchat` (required there): the room notification token (sent as a Bearer header).',
    }),
    secret: z.optional(z.string().check(z.minLength(8))).register(z.globalRegistry, {
      description:
        '`webhook` (required there): the HMAC-SHA256 key of `X-Nodegrid-Signature: sha256=<hex>`, signed over `X-Nodegrid-Timestamp` + "." + the body (see [Webhook signatures](#webhook-signatures)).',
    }),
    standardWebhooks: z.optional(z.boolean()).register(z.globalRegistry, {
      description: `\`webhook\`: also sign each request the [Standard Webhooks](https://www.standardwebhooks.com) way (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature: v1,<base64>\`) for receivers that use its libraries; \`secret\` must then be ${STANDARD_SECRET_RULE}.`,
    }),
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
      if (value.standardWebhooks && value.type !== 'webhook') ctx.issues.push({ code: 'custom', input: undefined, path: ['standardWebhooks'], message: `only type webhook sends Standard Webhooks headers, not ${value.type}` });
      if (value.standardWebhooks && value.type === 'webhook' && value.secret !== undefined && !standardWebhookKey(value.secret)) {
        ctx.issues.push({ code: 'custom', input: undefined, path: ['secret'], message: `with standardWebhooks: true the secret must be ${STANDARD_SECRET_RULE}` });
      }
    }),
  );

export const chatSection = z._default(
  z.strictObject({
    destinations: z._default(
      uniquelyNamed(destination),
      [],
    ).register(z.globalRegistry, { description: 'One entry per room or endpoint; each has its own outbox queue (`chat:<name>`).' }),
  }),
  { destinations: [] },
);
