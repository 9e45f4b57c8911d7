import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatDestinationConfig } from '../../../src/config/schema';
import { configSchema } from '../../../src/config/schema';
import { redactSecrets } from '../../../src/core/secrets';
import { destinationSecrets } from '../../../src/sinks/chat/destination';
import { acceptsEvent, chatSinkDescriptor } from '../../../src/sinks/chat/index';
import { PostPace } from '../../../src/sinks/chat/ratelimit';
import { redactWebhookUrl, urlSecrets } from '../../../src/sinks/redact-url';
import { stateEvent } from './events';

const base: ChatDestinationConfig = { name: 'ops', type: 'slack', url: 'http://127.0.0.1:9/services/TEXAMPLE/BEXAMPLE/xEXAMPLE', minSeverity: 'chatty', via: 'node', timeoutSeconds: 10 };

describe('routing: which events a destination takes', () => {
  const setup = stateEvent(null, 'setup');
  const wedged = stateEvent('setup', 'wedged');
  const notify = { ...stateEvent('setup', 'setup'), kind: 'notify' as const, message: 'rolling' };
  const heartbeat = { ...stateEvent('setup', 'setup'), kind: 'heartbeat' as const, severity: 'quiet' as const };

  it('minSeverity chatty takes chatty and critical, never heartbeats', () => {
    expect([setup, wedged, notify, heartbeat].map((e) => acceptsEvent(base, e))).toEqual([true, true, true, false]);
  });
  it('minSeverity critical takes only critical', () => {
    expect([setup, wedged].map((e) => acceptsEvent({ ...base, minSeverity: 'critical' }, e))).toEqual([false, true]);
  });
  it('via monitor takes only critical events from nodes, whatever its minSeverity', () => {
    expect([setup, wedged].map((e) => acceptsEvent({ ...base, via: 'monitor' }, e))).toEqual([false, true]);
  });
  it("takes the monitor's observations only for via monitor destinations, through the same filters", () => {
    const observed = stateEvent('setup', 'initdone', { kind: 'observed' });
    expect(acceptsEvent(base, observed)).toBe(false);
    expect(acceptsEvent({ ...base, via: 'monitor' }, observed)).toBe(true);
    expect(acceptsEvent({ ...base, via: 'monitor', deployments: ['fed2'] }, observed)).toBe(false);
    expect(acceptsEvent({ ...base, via: 'monitor', minSeverity: 'critical' }, observed)).toBe(false);
  });
  it('states and deployments filter', () => {
    const filtered = { ...base, states: ['wedged'], deployments: ['fed1'] };
    expect([setup, wedged].map((e) => acceptsEvent(filtered, e))).toEqual([false, true]);
    expect(acceptsEvent({ ...filtered, deployments: ['fed2'] }, wedged)).toBe(false);
  });
  it('names the queue chat:<name> and lists the URL’s secret parts', () => {
    const descriptor = chatSinkDescriptor(base, { homeDir: '/nonexistent' });
    expect(descriptor.name).toBe('chat:ops');
    expect(descriptor.secrets).toContain(base.url);
    expect(destinationSecrets({ ...base, type: 'hipchat', url: 'https://hipchat.example.com', room: 'r', token: 'tokenEXAMPLE1' })).toEqual(['tokenEXAMPLE1']);
  });
});

describe('redactWebhookUrl', () => {
  it('shows scheme, host, the first segment and one character', () => {
    expect(redactWebhookUrl('https://hooks.slack.com/services/TEXAMPLE/BEXAMPLE/XXXXEXAMPLE')).toBe('https://hooks.slack.com/services/T…/****');
    expect(redactWebhookUrl('https://prod.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=EXAMPLE')).toBe('https://prod.westus.logic.azure.com/workflows/a…/****');
    expect(redactWebhookUrl('https://hipchat.example.com')).toBe('https://hipchat.example.com');
    expect(redactWebhookUrl('http://user:pw@127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/****');
  });
  it('survives the generic redaction every log line gets', () => {
    const shown = redactWebhookUrl('https://hooks.slack.com/services/TEXAMPLE/BEXAMPLE/XXXXEXAMPLE');
    expect(redactSecrets(`posting to ${shown}`, destinationSecrets(base))).toBe(`posting to ${shown}`);
  });
});

describe('urlSecrets', () => {
  it('keeps a one-word path readable elsewhere (a file path holding the word), the URL itself still secret', () => {
    const secrets = urlSecrets('https://incidents.acme.example/nodegrid');
    expect(secrets).toContain('https://incidents.acme.example/nodegrid');
    expect(redactSecrets('metrics textfile /var/lib/node_exporter/textfile_collector/nodegrid.prom not written', secrets)).toBe(
      'metrics textfile /var/lib/node_exporter/textfile_collector/nodegrid.prom not written',
    );
    expect(redactSecrets('posted to https://incidents.acme.example/nodegrid', secrets)).not.toContain('incidents.acme.example/nodegrid');
  });
  it('still treats any other path as secret: tokens, several segments, long words, a query', () => {
    expect(urlSecrets('https://chat.example/hooks/abcdefgh')).toContain('/hooks/abcdefgh');
    expect(urlSecrets('https://h.example/x7Kq29ZpLm')).toContain('/x7Kq29ZpLm');
    expect(urlSecrets('https://h.example/abcdefghijklmnopq')).toContain('/abcdefghijklmnopq');
    expect(urlSecrets('https://h.example/events?token=EXAMPLEtoken1')).toEqual(expect.arrayContaining(['/events?token=EXAMPLEtoken1', 'EXAMPLEtoken1']));
  });
});

describe('config', () => {
  it('requires room and token for hipchat, a secret for webhook, and unique names', () => {
    const result = configSchema.safeParse({
      chat: {
        destinations: [
          { name: 'a', type: 'hipchat', url: 'https://hipchat.example.com' },
          { name: 'a', type: 'webhook', url: 'https://example.com/hook' },
        ],
      },
    });
    const issues = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^chat\.destinations\.0\.room: required for type hipchat/),
        expect.stringMatching(/^chat\.destinations\.0\.token: required for type hipchat/),
        expect.stringMatching(/^chat\.destinations\.1\.secret: required for type webhook/),
      ]),
    );
    // Two destinations of one name would share one queue.
    const twice = configSchema.safeParse({ chat: { destinations: [base, base].map(({ name, type, url }) => ({ name, type, url })) } });
    expect(twice.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['chat.destinations.1.name: duplicate destination name ops']);
  });
});

describe('config: standardWebhooks', () => {
  const issues = (entry: object): string[] =>
    configSchema.safeParse({ chat: { destinations: [{ name: 'hooks', type: 'webhook', url: 'https://example.com/hook', ...entry }] } }).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

  it('takes a whsec_ secret of 24 to 64 bytes', () => {
    expect(issues({ standardWebhooks: true, secret: `whsec_${Buffer.alloc(24).toString('base64')}` })).toEqual([]);
    expect(issues({ standardWebhooks: true, secret: `whsec_${Buffer.alloc(64).toString('base64')}` })).toEqual([]);
  });

  it('refuses any other secret, naming the key and the form, and never echoing the secret', () => {
    for (const secret of ['change-me-to-a-long-random-string', `whsec_${Buffer.alloc(16).toString('base64')}`, `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_not base64 at all!!']) {
      const found = issues({ standardWebhooks: true, secret });
      expect(found).toEqual([expect.stringMatching(/^chat\.destinations\.0\.secret: with standardWebhooks: true the secret must be `whsec_` and the base64 of 24-64 random bytes/)]);
      expect(found.join('\n')).not.toContain(secret);
    }
    expect(issues({ secret: 'change-me-to-a-long-random-string' })).toEqual([]);
  });

  it('refuses it on a type that is not webhook', () => {
    const result = configSchema.safeParse({ chat: { destinations: [{ name: 'ops', type: 'slack', url: 'https://hooks.slack.com/services/T/B/X', standardWebhooks: true }] } });
    expect(result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['chat.destinations.0.standardWebhooks: only type webhook sends Standard Webhooks headers, not slack']);
  });
});

describe('PostPace', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('keeps posts of one destination a minimum interval apart, across instances, and longer when the service asks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-pace-'));
    dirs.push(dir);
    const pace = new PostPace(dir, 'ops', 1000);
    expect(pace.waitMs(10_000)).toBe(0);
    pace.recordPost(10_000);
    expect(new PostPace(dir, 'ops', 1000).waitMs(10_400)).toBe(600);
    expect(new PostPace(dir, 'other', 1000).waitMs(10_400)).toBe(0);
    pace.recordPost(20_000, 5000);
    expect(pace.waitMs(20_000)).toBe(5000);
  });
});
