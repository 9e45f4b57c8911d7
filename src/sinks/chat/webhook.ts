import crypto from 'node:crypto';
import { jsonHeaders, type ChatAdapter } from './adapter';

/**
 * A plain webhook for machines: the events as JSON, signed so a receiver can
 * check who sent it and refuse replays. Verify by recomputing
 * hex(HMAC-SHA256(secret, timestamp + "." + raw body)), comparing in constant
 * time, and rejecting timestamps more than a few minutes old.
 */
export const WEBHOOK_FORMAT_VERSION = 1;

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const webhookAdapter: ChatAdapter = {
  format: (message, destination, now) => {
    const body = JSON.stringify({
      source: 'nodegrid',
      version: WEBHOOK_FORMAT_VERSION,
      kind: message.kind,
      text: message.title,
      lines: message.lines,
      color: message.color,
      severity: message.severity,
      time: message.time,
      events: message.events,
    });
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return {
      url: destination.url,
      headers: jsonHeaders({
        'x-nodegrid-timestamp': timestamp,
        'x-nodegrid-signature': signWebhookBody(destination.secret ?? '', timestamp, body),
      }),
      body,
    };
  },
};
