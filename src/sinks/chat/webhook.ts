import crypto from 'node:crypto';
import { standardWebhookKey } from '../../config/sections/chat';
import { jsonHeaders, type ChatAdapter } from './adapter';

/**
 * A plain webhook for machines: the events as JSON, signed so a receiver can
 * check who sent it and refuse replays. X-Nodegrid-Signature is
 * "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + raw body)) with
 * X-Nodegrid-Timestamp the request's Unix seconds; the README's "Webhook
 * signatures" shows how to verify it (a test runs that very snippet).
 * With standardWebhooks the request also carries the Standard Webhooks
 * headers (standardwebhooks.com), for receivers that use its libraries.
 */
export const WEBHOOK_FORMAT_VERSION = 1;

export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Standard Webhooks v1: base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), the key being the bytes after "whsec_". */
export function standardWebhookSignature(key: Buffer, id: string, timestamp: string, body: string): string {
  return `v1,${crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The webhook-id: the spec wants it unchanged when a failed delivery is
 * retried, so receivers can drop a repeat. A post's body is the same on every
 * try (the attempt's time is only in the headers), so it is named by its hash.
 */
export function standardWebhookId(body: string): string {
  return `msg_${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}`;
}

function standardWebhookHeaders(secret: string, timestamp: string, body: string): Record<string, string> {
  // The config refuses standardWebhooks with any other secret; an absent key only means nothing is added.
  const key = standardWebhookKey(secret);
  if (key === undefined) return {};
  const id = standardWebhookId(body);
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': standardWebhookSignature(key, id, timestamp, body) };
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
    const secret = destination.secret ?? '';
    return {
      url: destination.url,
      headers: jsonHeaders({
        'x-nodegrid-timestamp': timestamp,
        'x-nodegrid-signature': signWebhookBody(secret, timestamp, body),
        ...(destination.standardWebhooks ? standardWebhookHeaders(secret, timestamp, body) : {}),
      }),
      body,
    };
  },
};
