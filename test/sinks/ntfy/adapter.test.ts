import { afterEach, describe, expect, it } from 'vitest';
import { incidentKey, type PageAction } from '../../../src/core/incident';
import { createNtfyAdapter } from '../../../src/sinks/ntfy/adapter';
import { ntfySecrets, type NtfyDestination } from '../../../src/sinks/ntfy/destination';
import { startNtfyStandIn, type NtfyStandIn } from '../../helpers/ntfy-server';
import { pollTopic } from './poll';

const servers: NtfyStandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let clock = Date.parse('2026-12-03T18:41:00Z');
async function standIn(options: Parameters<typeof startNtfyStandIn>[0] = {}): Promise<NtfyStandIn> {
  const server = await startNtfyStandIn({ now: () => clock, ...options });
  servers.push(server);
  return server;
}

const TOPIC = 'nodegrid_oncall_x7Kq2';
const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';

function destination(server: NtfyStandIn, extra: Partial<NtfyDestination> = {}): NtfyDestination {
  return { name: 'phones', server: server.url, topic: TOPIC, ...extra };
}

function page(action: 'trigger' | 'resolve', overrides: Partial<PageAction> = {}): PageAction {
  const node = { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1' };
  return {
    action,
    key: incidentKey(node.id, 'wedged'),
    node,
    problem: 'wedged',
    // Non-ASCII on purpose: the JSON form carries it without header encoding.
    summary: action === 'trigger' ? 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: Störung → work failed' : 'i-4e7cb59a:fed1/db1 recovered: now setup',
    severity: 'critical',
    time: '2026-12-03T18:41:00Z',
    details: { state: action === 'trigger' ? 'wedged' : 'setup', note: 'drain.sh exited 3' },
    link: 'https://grid.example.com/#node=i-4e7cb59a',
    ...overrides,
  };
}

const OPTIONS = { timeoutMs: 10_000 };

describe('the ntfy adapter', () => {
  it('publishes a trigger and then its recovery as two messages in ntfy’s JSON form, read back by a subscriber', async () => {
    const server = await standIn({ tokens: [TOKEN] });
    const adapter = createNtfyAdapter(destination(server, { token: TOKEN }));
    expect(await adapter.send([page('trigger'), page('resolve')], OPTIONS)).toEqual({ sent: 2 });

    const [trigger, resolve] = server.calls;
    expect(trigger).toMatchObject({ method: 'POST', path: '/', status: 200 });
    expect(trigger!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(trigger!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(trigger!.body)).toEqual({
      topic: TOPIC,
      title: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: Störung → work failed',
      message: 'state: wedged\nnote: drain.sh exited 3',
      priority: 5,
      tags: ['rotating_light', 'nodegrid', 'wedged'],
      click: 'https://grid.example.com/#node=i-4e7cb59a',
    });
    expect(JSON.parse(resolve!.body)).toMatchObject({ topic: TOPIC, title: 'i-4e7cb59a:fed1/db1 recovered: now setup', priority: 3, tags: ['white_check_mark', 'nodegrid', 'wedged'] });

    const polled = await pollTopic(server.url, TOPIC, `Bearer ${TOKEN}`);
    expect(polled.messages.map((m) => [m.title, m.priority, m.tags])).toEqual([
      ['i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: Störung → work failed', 5, ['rotating_light', 'nodegrid', 'wedged']],
      ['i-4e7cb59a:fed1/db1 recovered: now setup', 3, ['white_check_mark', 'nodegrid', 'wedged']],
    ]);
  });

  it('maps severities to ntfy priorities 5, 4, 3 and 2, and uses the summary as the body when there are no details', async () => {
    const server = await standIn();
    const actions = (['critical', 'error', 'warning', 'info'] as const).map((severity) => page('trigger', { severity, details: {}, link: undefined }));
    expect(await createNtfyAdapter(destination(server)).send(actions, OPTIONS)).toEqual({ sent: 4 });
    const messages = server.messages(TOPIC);
    expect(messages.map((m) => m.priority)).toEqual([5, 4, 3, 2]);
    expect(messages[0]!.message).toBe(messages[0]!.title);
    expect(messages[0]!.click).toBeUndefined();
  });

  it('signs in with a user and password as Basic, and cuts a long body to ntfy’s 4096 bytes', async () => {
    const server = await standIn({ users: { pager: 'correct horse battery' } });
    const long = page('trigger', { details: { note: 'ö'.repeat(5000) } });
    expect(await createNtfyAdapter(destination(server, { user: 'pager', password: 'correct horse battery' })).send([long], OPTIONS)).toEqual({ sent: 1 });
    expect(server.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('pager:correct horse battery').toString('base64')}`);
    const message = server.messages(TOPIC)[0]!.message;
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4096);
    expect(message.endsWith('…')).toBe(true);
  });

  it('reports ntfy’s 429 with a wait, and delivers the rest once the bucket refills', async () => {
    const server = await standIn();
    const adapter = createNtfyAdapter(destination(server));
    server.rateLimit({ burst: 1, replenishMs: 5000 });
    const first = await adapter.send([page('trigger'), page('resolve')], OPTIONS);
    expect(first.sent).toBe(1);
    expect(first.failure?.retryAfterMs).toBeGreaterThan(0);
    expect(first.failure?.permanent).toBeFalsy();
    expect(first.failure?.message).toContain('rate limited');

    clock += 5000;
    expect(await adapter.send([page('resolve')], OPTIONS)).toEqual({ sent: 1 });
    expect(server.messages(TOPIC).map((m) => m.priority)).toEqual([5, 3]);
  });

  it('gives up on a wrong token (401) or missing credentials (403), naming the setting, never the token or the topic', async () => {
    const server = await standIn({ tokens: [TOKEN] });
    const wrong = 'tk_wrongWrongWrongWrongWrong0001';
    const refused = await createNtfyAdapter(destination(server, { token: wrong })).send([page('trigger')], OPTIONS);
    expect(refused.sent).toBe(0);
    expect(refused.failure?.permanent).toBe(true);
    expect(refused.failure?.message).toMatch(/^ntfy:phones \(http:\/\/127\.0\.0\.1:\d+\/\*\*\*\*\): HTTP 401 Unauthorized \(.*40101.*\): ntfy does not accept the credentials; check token/);
    expect(refused.failure?.message).not.toContain(wrong);
    expect(refused.failure?.message).not.toContain(TOPIC);

    const anonymous = await createNtfyAdapter(destination(server)).send([page('trigger')], OPTIONS);
    expect(anonymous.failure).toMatchObject({ permanent: true, message: expect.stringContaining('HTTP 403 Forbidden') });
    expect(anonymous.failure?.message).toContain('may not publish to the topic');
    expect(server.messages(TOPIC)).toEqual([]);
    expect(ntfySecrets(destination(server, { user: 'pager', password: 'hunter22' }))).toEqual([TOPIC, 'hunter22', Buffer.from('pager:hunter22').toString('base64')]);
  });

  it('reports a failing or unreachable server as a failure to retry, not a refusal', async () => {
    const server = await standIn();
    const adapter = createNtfyAdapter(destination(server));
    server.failNext(1, 502);
    const failed = await adapter.send([page('trigger')], OPTIONS);
    expect(failed).toMatchObject({ sent: 0, failure: { message: expect.stringContaining('HTTP 502') } });
    expect(failed.failure?.permanent).toBeFalsy();

    await server.stop();
    const down = await adapter.send([page('trigger')], OPTIONS);
    expect(down.sent).toBe(0);
    expect(down.failure?.message).toMatch(/^ntfy:phones \(http:\/\/127\.0\.0\.1:\d+\/\*\*\*\*\): connection refused$/);
    expect(down.failure?.permanent).toBeFalsy();
    expect(down.failure?.retryAfterMs).toBeUndefined();
  });

  it('refuses a topic ntfy would refuse before sending anything, and is labelled ntfy.sh by default', async () => {
    const server = await standIn();
    const bad = await createNtfyAdapter(destination(server, { topic: 'pages/oncall' })).send([page('trigger')], OPTIONS);
    expect(bad.failure).toMatchObject({ permanent: true, message: expect.stringContaining('fix topic in the config') });
    expect(server.calls).toHaveLength(0);
    expect(createNtfyAdapter({ name: 'phones', topic: TOPIC }).label).toBe('ntfy:phones (https://ntfy.sh/****)');
  });
});
