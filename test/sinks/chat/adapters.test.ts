import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatDestinationConfig } from '../../../src/config/schema';
import { CHAT_TYPES, standardWebhookKey, type ChatType } from '../../../src/config/sections/chat';
import { adapterFor } from '../../../src/sinks/chat/adapters';
import { alarmMessage, formatGridDigest, nodeDigestMessage } from '../../../src/sinks/chat/digest';
import { eventMessage, testMessage, type ChatMessage } from '../../../src/sinks/chat/message';
import { signWebhookBody, standardWebhookSignature } from '../../../src/sinks/chat/webhook';
import { stateEvent } from './events';
import { PAYLOAD_SCHEMAS, visibleText } from './schemas';

function destination(type: ChatType, extra: Partial<ChatDestinationConfig> = {}): ChatDestinationConfig {
  return {
    name: `d-${type}`,
    type,
    url: `http://127.0.0.1:9/${type}/EXAMPLE/secretEXAMPLEpath`,
    minSeverity: 'chatty',
    via: 'node',
    timeoutSeconds: 10,
    ...(type === 'hipchat' ? { url: 'http://127.0.0.1:9', room: 'ops room', token: 'tokenEXAMPLE123' } : {}),
    ...(type === 'webhook' ? { secret: 'whsecretEXAMPLE' } : {}),
    ...extra,
  };
}

const now = new Date('2015-10-08T17:48:30Z');
const messages: Array<[string, ChatMessage]> = [
  ['a state change', eventMessage(stateEvent('setup', 'initdone', { note: 'init took 104 s' }))],
  ['a wedged node', eventMessage(stateEvent('running', 'wedged', { note: 'work.sh failed 3 times' }))],
  ['a digest of 20 changes', nodeDigestMessage(Array.from({ length: 20 }, (_, i) => stateEvent(i % 2 ? 'running' : 'draining', i % 2 ? 'draining' : 'running')))],
  ['a wedged node with the changes before it', alarmMessage([stateEvent(null, 'setup'), stateEvent('setup', 'initdone'), stateEvent('initdone', 'wedged', { note: 'work.sh failed 3 times' })])],
  ['a grid digest', formatGridDigest(Array.from({ length: 12 }, (_, i) => ({ node: { id: `i-${i}`, deployment: 'fed1', nodepart: 'app1' }, from: 'setup', state: 'initdone', color: 'green' as const })), { now })!],
  ['a test message', testMessage('i-5e7ab38a:fed1/app1', 'ops', now)],
  ['a 2000-character note', eventMessage(stateEvent('setup', 'initdone', { note: 'x'.repeat(2000) }))],
];

describe('chat adapters speak each service’s documented format', () => {
  for (const type of CHAT_TYPES) {
    for (const [what, message] of messages) {
      it(`${type}: ${what} matches the ${type} payload schema`, () => {
        const request = adapterFor(type).format(message, destination(type), now);
        const parsed = PAYLOAD_SCHEMAS[type].safeParse(JSON.parse(request.body));
        expect(parsed.error?.issues ?? []).toEqual([]);
        expect(request.headers['content-type']).toMatch(/^application\/json/);
        expect(visibleText(type, request.body).length).toBeGreaterThan(10);
      });
    }
  }

  it('colours carry the state: Slack hex bar, Discord integer, Teams container style, HipChat colour name', () => {
    const wedged = eventMessage(stateEvent('running', 'wedged'));
    const initdone = eventMessage(stateEvent('setup', 'initdone'));
    const slack = (m: ChatMessage) => JSON.parse(adapterFor('slack').format(m, destination('slack'), now).body).attachments[0].color;
    const discord = (m: ChatMessage) => JSON.parse(adapterFor('discord').format(m, destination('discord'), now).body).embeds[0].color;
    const teams = (m: ChatMessage) => JSON.parse(adapterFor('teams').format(m, destination('teams'), now).body).attachments[0].content.body[0].style;
    const hipchat = (m: ChatMessage) => JSON.parse(adapterFor('hipchat').format(m, destination('hipchat'), now).body);
    expect(slack(wedged)).toBe('#d40e0d');
    expect(slack(initdone)).toBe('#2eb886');
    expect(discord(wedged)).toBe(0xd40e0d);
    expect(teams(wedged)).toBe('attention');
    expect(teams(initdone)).toBe('good');
    expect(hipchat(wedged)).toMatchObject({ color: 'red', notify: true, message_format: 'text' });
    expect(hipchat(initdone)).toMatchObject({ color: 'green', notify: false });
  });

  it('slack, mattermost and rocketchat send the attachment ts as a string of epoch seconds, as @slack/types declares it', () => {
    const message = eventMessage(stateEvent('setup', 'initdone'));
    for (const type of ['slack', 'mattermost', 'rocketchat'] as const) {
      const attachment = JSON.parse(adapterFor(type).format(message, destination(type), now).body).attachments[0];
      expect(attachment.ts, type).toBe(String(Date.parse(message.time) / 1000));
    }
  });

  it('hipchat posts to {url}/v2/room/{room}/notification with the token only in the Authorization header', () => {
    const request = adapterFor('hipchat').format(eventMessage(stateEvent('setup', 'initdone')), destination('hipchat', { url: 'http://127.0.0.1:9/v2/' }), now);
    expect(request.url).toBe('http://127.0.0.1:9/v2/room/ops%20room/notification');
    expect(request.headers.authorization).toBe('Bearer tokenEXAMPLE123');
    expect(request.url + request.body).not.toContain('tokenEXAMPLE123');
  });

  it('webhook: signs timestamp + "." + body with HMAC-SHA256 so a receiver can verify it', () => {
    const event = stateEvent('setup', 'initdone');
    const request = adapterFor('webhook').format(eventMessage(event), destination('webhook'), now);
    const timestamp = request.headers['x-nodegrid-timestamp']!;
    expect(timestamp).toBe(String(now.getTime() / 1000));
    const expected = crypto.createHmac('sha256', 'whsecretEXAMPLE').update(`${timestamp}.${request.body}`).digest('hex');
    expect(request.headers['x-nodegrid-signature']).toBe(`sha256=${expected}`);
    expect(signWebhookBody('whsecretEXAMPLE', timestamp, `${request.body} `)).not.toBe(request.headers['x-nodegrid-signature']);
    expect(JSON.parse(request.body).events).toEqual([event]);
    expect(request.body).not.toContain('whsecretEXAMPLE');
  });

  it('webhook: sends no Standard Webhooks headers unless asked', () => {
    const request = adapterFor('webhook').format(eventMessage(stateEvent('setup', 'initdone')), destination('webhook'), now);
    expect(Object.keys(request.headers).filter((name) => name.startsWith('webhook-'))).toEqual([]);
  });

  // The Standard Webhooks reference library's own signing vector (libraries/javascript/src/webhook.test.ts, "sign function works").
  it('Standard Webhooks: signs the reference vector as the spec’s library does', () => {
    const key = standardWebhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')!;
    expect(standardWebhookSignature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature that verify by the spec, the id the same on a retry', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const message = eventMessage(stateEvent('setup', 'initdone'));
    const webhook = destination('webhook', { secret, standardWebhooks: true });
    const request = adapterFor('webhook').format(message, webhook, now);
    const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature } = request.headers;
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(timestamp).toBe(String(now.getTime() / 1000));
    // The spec: HMAC-SHA256 keyed by the base64-decoded secret after "whsec_", over "{id}.{timestamp}.{body}", as "v1," + base64.
    const expected = crypto.createHmac('sha256', Buffer.alloc(32, 7)).update(`${id}.${timestamp}.${request.body}`).digest('base64');
    expect(signature).toBe(`v1,${expected}`);
    expect(request.headers['x-nodegrid-signature']).toBe(signWebhookBody(secret, timestamp!, request.body));
    const retry = adapterFor('webhook').format(message, webhook, new Date(now.getTime() + 60_000));
    expect(retry.headers['webhook-id']).toBe(id);
    expect(retry.headers['webhook-signature']).not.toBe(signature);
    expect(adapterFor('webhook').format(eventMessage(stateEvent('initdone', 'running')), webhook, now).headers['webhook-id']).not.toBe(id);
  });

  it('discord never lets a message mention anyone', () => {
    const body = JSON.parse(adapterFor('discord').format(eventMessage(stateEvent('setup', 'initdone')), destination('discord'), now).body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });
});
