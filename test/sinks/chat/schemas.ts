import { z } from 'zod';

/**
 * Each service's documented webhook payload, as far as nodegrid uses it, so a
 * test fails when an adapter sends something the service would reject or
 * ignore. Strict objects: an unknown key is a mistake here.
 *
 * - Slack incoming webhooks, legacy attachments (api.slack.com/reference/messaging/attachments):
 *   `text`; attachments with required `fallback`, `color` good|warning|danger|#hex, `text`, `footer`, `ts` (a string).
 * - Mattermost / Rocket.Chat: the same Slack-compatible payload.
 * - Discord Execute Webhook (discord.com/developers/docs/resources/webhook): content ≤ 2000,
 *   username ≤ 80, ≤ 10 embeds, embed description ≤ 4096, color an integer 0..0xFFFFFF,
 *   ISO timestamp, allowed_mentions.parse ⊆ {roles, users, everyone}; content or embeds required.
 * - Teams Workflows webhook: {type: "message", attachments: [{contentType:
 *   "application/vnd.microsoft.card.adaptive", contentUrl, content: AdaptiveCard}]}, card
 *   version ≤ 1.5 (Teams), TextBlock/Container with their documented enums.
 * - HipChat API v2 "send room notification": message 1..10000, color yellow|green|red|purple|gray|random,
 *   message_format html|text, notify boolean, from ≤ 64.
 * - nodegrid's own webhook format (README): documented here.
 */
const slackAttachment = z.strictObject({
  fallback: z.string().min(1),
  color: z.string().regex(/^(good|warning|danger|#[0-9a-fA-F]{6})$/),
  text: z.string().optional(),
  pretext: z.string().optional(),
  title: z.string().optional(),
  footer: z.string().optional(),
  // Epoch seconds; @slack/types (MessageAttachment) declares it a string, Mattermost takes either, Rocket.Chat a string.
  ts: z.string().regex(/^[1-9]\d*$/).optional(),
});

export const slackPayload = z.strictObject({
  text: z.string().min(1).max(40_000),
  attachments: z.array(slackAttachment).max(100).optional(),
  username: z.string().optional(),
  icon_emoji: z.string().optional(),
  channel: z.string().optional(),
});

const discordEmbed = z.strictObject({
  title: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  url: z.url().optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  timestamp: z.iso.datetime().optional(),
  footer: z.strictObject({ text: z.string().max(2048), icon_url: z.string().optional() }).optional(),
});

export const discordPayload = z
  .strictObject({
    content: z.string().max(2000).optional(),
    username: z.string().min(1).max(80).optional(),
    avatar_url: z.string().optional(),
    tts: z.boolean().optional(),
    embeds: z.array(discordEmbed).max(10).optional(),
    allowed_mentions: z.strictObject({
      parse: z.array(z.enum(['roles', 'users', 'everyone'])),
      users: z.array(z.string()).optional(),
      roles: z.array(z.string()).optional(),
    }),
  })
  .refine((payload) => (payload.content ?? '') !== '' || (payload.embeds ?? []).length > 0, 'content or embeds is required');

const textBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string(),
  wrap: z.boolean().optional(),
  weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
  size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
  color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention', 'default', 'dark', 'light', 'accent', 'good', 'warning', 'attention']).optional(),
  isSubtle: z.boolean().optional(),
  spacing: z.enum(['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding']).optional(),
});

const container = z.strictObject({
  type: z.literal('Container'),
  style: z.enum(['default', 'emphasis', 'good', 'attention', 'warning', 'accent']).optional(),
  items: z.array(textBlock).min(1),
});

export const adaptiveCard = z.strictObject({
  $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json').optional(),
  type: z.literal('AdaptiveCard'),
  version: z.string().regex(/^1\.[0-5]$/),
  body: z.array(z.union([textBlock, container])).min(1),
});

export const teamsPayload = z.strictObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.strictObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null().optional(),
        content: adaptiveCard,
      }),
    )
    .length(1),
});

export const hipchatPayload = z.strictObject({
  message: z.string().min(1).max(10_000),
  color: z.enum(['yellow', 'green', 'red', 'purple', 'gray', 'random']),
  message_format: z.enum(['html', 'text']),
  notify: z.boolean(),
  from: z.string().max(64).optional(),
});

const nodeEvent = z.object({
  id: z.string().min(1),
  seq: z.number().int().positive(),
  kind: z.enum(['state', 'notify']),
  node: z.object({ id: z.string(), deployment: z.string().optional(), nodepart: z.string().optional() }),
  from: z.string().nullable(),
  state: z.string().nullable(),
  time: z.iso.datetime(),
  severity: z.enum(['quiet', 'chatty', 'critical']),
  color: z.enum(['green', 'yellow', 'red', 'purple', 'gray']),
});

export const webhookPayload = z.strictObject({
  source: z.literal('nodegrid'),
  version: z.literal(1),
  kind: z.enum(['event', 'digest', 'grid-digest', 'test']),
  text: z.string().min(1),
  lines: z.array(z.string()),
  color: z.enum(['green', 'yellow', 'red', 'purple', 'gray']),
  severity: z.enum(['quiet', 'chatty', 'critical']),
  time: z.iso.datetime(),
  events: z.array(nodeEvent),
});

export const PAYLOAD_SCHEMAS = {
  slack: slackPayload,
  mattermost: slackPayload,
  rocketchat: slackPayload,
  discord: discordPayload,
  teams: teamsPayload,
  hipchat: hipchatPayload,
  webhook: webhookPayload,
} as const;

/** The plain text a person sees, per service, to assert on content without the escaping. */
export function visibleText(type: keyof typeof PAYLOAD_SCHEMAS, body: string): string {
  const payload = JSON.parse(body);
  switch (type) {
    case 'slack':
    case 'mattermost':
    case 'rocketchat':
      return [payload.text, ...payload.attachments.map((a: { text?: string }) => a.text ?? '')].join('\n');
    case 'discord':
      return [payload.content, ...payload.embeds.map((e: { description?: string }) => e.description ?? '')].join('\n');
    case 'teams':
      return payload.attachments[0].content.body.flatMap((c: { items: Array<{ text: string }> }) => c.items.map((i) => i.text)).join('\n');
    case 'hipchat':
      return payload.message;
    case 'webhook':
      return [payload.text, ...payload.lines].join('\n');
  }
}
