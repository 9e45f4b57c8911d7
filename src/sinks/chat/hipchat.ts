import { jsonHeaders, type ChatAdapter } from './adapter';
import { escapeHipchatText } from './escape';
import { truncate } from './message';

/**
 * HipChat (and its self-hosted successors) API v2 room notification:
 * POST {url}/v2/room/{room}/notification with the room token as a Bearer
 * header — never in the URL, which ends up in proxy logs. The lifecycle's
 * colours are exactly HipChat's; critical messages notify the room.
 */
const MAX_MESSAGE = 10_000;

export const hipchatAdapter: ChatAdapter = {
  format: (message, destination) => {
    // Accept the server URL with or without a trailing "/v2".
    const base = destination.url.replace(/\/+$/, '').replace(/\/v2$/, '');
    const room = encodeURIComponent(destination.room ?? '');
    return {
      url: `${base}/v2/room/${room}/notification`,
      headers: jsonHeaders({ authorization: `Bearer ${destination.token ?? ''}` }),
      body: JSON.stringify({
        message: truncate(escapeHipchatText([message.title, ...message.lines].join('\n')), MAX_MESSAGE),
        color: message.color,
        message_format: 'text',
        notify: message.severity === 'critical',
        from: 'nodegrid',
      }),
    };
  },
};
