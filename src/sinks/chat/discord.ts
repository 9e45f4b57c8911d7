import { jsonHeaders, type ChatAdapter } from './adapter';
import { escapeDiscord } from './escape';
import { COLOR_HEX, truncate } from './message';

/**
 * Discord "execute webhook": `content` (at most 2000 characters) and one embed
 * whose integer `color` draws the bar. allowed_mentions {parse: []} means no
 * string from a node can ever ping @everyone, a role or a user.
 */
const MAX_CONTENT = 2000;
const MAX_DESCRIPTION = 4096;

export const discordAdapter: ChatAdapter = {
  format: (message, destination) => ({
    url: destination.url,
    headers: jsonHeaders(),
    body: JSON.stringify({
      username: 'nodegrid',
      content: truncate(escapeDiscord(message.title), MAX_CONTENT),
      embeds: [
        {
          description: truncate(escapeDiscord(message.lines.join('\n')), MAX_DESCRIPTION),
          color: Number.parseInt(COLOR_HEX[message.color].slice(1), 16),
          timestamp: message.time,
          footer: { text: 'nodegrid' },
        },
      ],
      allowed_mentions: { parse: [] },
    }),
  }),
};
