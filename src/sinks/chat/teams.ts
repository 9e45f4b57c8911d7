import type { Color } from '../../core/lifecycle';
import { jsonHeaders, type ChatAdapter } from './adapter';
import { escapeAdaptiveCard } from './escape';
import { truncate } from './message';

/**
 * Microsoft Teams through a Workflows (Power Automate) "post to a channel when
 * a webhook request is received" flow: a message with one Adaptive Card
 * attachment. The retired Office 365 connector MessageCard is not used.
 */
const STYLE: Record<Color, { container: string; text: string }> = {
  green: { container: 'good', text: 'good' },
  yellow: { container: 'warning', text: 'warning' },
  red: { container: 'attention', text: 'attention' },
  purple: { container: 'emphasis', text: 'accent' },
  gray: { container: 'emphasis', text: 'default' },
};
// Teams cards hold about 28 KB; lines are bounded well below that.
const MAX_TEXT = 4000;

export const teamsAdapter: ChatAdapter = {
  format: (message, destination) => {
    const style = STYLE[message.color];
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        {
          type: 'Container',
          style: style.container,
          items: [
            { type: 'TextBlock', text: escapeAdaptiveCard(truncate(message.title, MAX_TEXT)), wrap: true, weight: 'Bolder', color: style.text },
            ...message.lines.map((line) => ({ type: 'TextBlock', text: escapeAdaptiveCard(truncate(line, MAX_TEXT)), wrap: true, isSubtle: true, spacing: 'None' })),
          ],
        },
      ],
    };
    return {
      url: destination.url,
      headers: jsonHeaders(),
      body: JSON.stringify({
        type: 'message',
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
      }),
    };
  },
};
