import { jsonHeaders, type ChatAdapter } from './adapter';
import { escapeSlack, escapeSlackCompatible } from './escape';
import { COLOR_HEX, truncate, type ChatMessage } from './message';

/**
 * Slack incoming webhooks: `text` plus one legacy attachment whose `color`
 * draws the bar and whose `fallback` is the plain summary notifications show.
 * Mattermost and Rocket.Chat accept the same payload but render Markdown and
 * plain @mentions, so they get a stricter escape.
 */
const MAX_TEXT = 3000;

function slackPayload(message: ChatMessage, escape: (text: string) => string): Record<string, unknown> {
  const title = escape(truncate(message.title, MAX_TEXT));
  return {
    text: title,
    attachments: [
      {
        fallback: title,
        color: COLOR_HEX[message.color],
        text: escape(truncate(message.lines.join('\n'), MAX_TEXT)),
        footer: 'nodegrid',
        // Epoch seconds as a string: @slack/types declares ts a string, and Rocket.Chat reads only a string.
        ts: String(Math.floor(Date.parse(message.time) / 1000)),
      },
    ],
  };
}

export const slackAdapter: ChatAdapter = {
  format: (message, destination) => ({ url: destination.url, headers: jsonHeaders(), body: JSON.stringify(slackPayload(message, escapeSlack)) }),
};

export const slackCompatibleAdapter: ChatAdapter = {
  format: (message, destination) => ({ url: destination.url, headers: jsonHeaders(), body: JSON.stringify(slackPayload(message, escapeSlackCompatible)) }),
};
