import http from 'node:http';
import { publish } from 'ntfy';
import { afterEach, describe, expect, it } from 'vitest';
import { startNtfyStandIn, type NtfyStandIn } from '../../helpers/ntfy-server';
import { pollTopic } from './poll';

/**
 * The stand-in checked with an independent ntfy client, node-ntfy
 * (npm "ntfy" 1.13.3, github.com/ffflorian/node-packages): it publishes in
 * the headers form (POST /{topic}, X-Title, X-Priority, X-Tags, Authorization)
 * with fetch, and works offline against http://127.0.0.1. The JSON form the
 * adapter uses and ntfy's RFC 2047 headers, which that client does not send,
 * are checked with raw node:http requests written from ntfy's documentation.
 */
const servers: NtfyStandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function standIn(options: Parameters<typeof startNtfyStandIn>[0] = {}): Promise<NtfyStandIn> {
  const server = await startNtfyStandIn(options);
  servers.push(server);
  return server;
}

function rawPost(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';

describe('the ntfy stand-in', () => {
  it('takes node-ntfy’s headers-form publish and returns it to a poller in ntfy’s JSON message format', async () => {
    const server = await standIn();
    const answer = await publish({ server: server.url, topic: 'nodegrid_pages', message: 'Disk space is low', title: 'Low disk space alert', priority: 4, tags: ['warning', 'cd'] });
    expect(answer).toMatchObject({ topic: 'nodegrid_pages', message: 'Disk space is low', title: 'Low disk space alert', priority: 4, tags: ['warning', 'cd'], event: 'message' });
    expect(server.calls[0]!.headers['x-title']).toBe('Low disk space alert');

    const polled = await pollTopic(server.url, 'nodegrid_pages');
    expect(polled.messages).toHaveLength(1);
    expect(polled.messages[0]).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), time: expect.any(Number), expires: expect.any(Number), event: 'message', topic: 'nodegrid_pages', title: 'Low disk space alert', message: 'Disk space is low', priority: 4, tags: ['warning', 'cd'] });
    expect((await pollTopic(server.url, 'another_topic')).messages).toEqual([]);
  });

  it('checks node-ntfy’s Basic credentials, a token as an empty user’s password, and refuses wrong ones (401) and none (403)', async () => {
    // node-ntfy 1.13.3 sends a string token as "Basic <token>" (fixed in 1.15 as Bearer, which needs Node 21),
    // which ntfy cannot decode; the user form is what works, and ntfy takes a token as an empty user's password.
    const server = await standIn({ tokens: [TOKEN], users: { phil: 'mypass' } });
    await publish({ server: server.url, topic: 'nodegrid_pages', message: 'as phil', authorization: { username: 'phil', password: 'mypass' } });
    expect(server.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('phil:mypass').toString('base64')}`);
    await publish({ server: server.url, topic: 'nodegrid_pages', message: 'by token', authorization: { username: '', password: TOKEN } });
    await expect(publish({ server: server.url, topic: 'nodegrid_pages', message: 'x', authorization: { username: 'phil', password: 'wrong' } })).rejects.toThrow(/Unauthorized/);
    await expect(publish({ server: server.url, topic: 'nodegrid_pages', message: 'x' })).rejects.toThrow(/Forbidden/);
    expect(server.calls.map((c) => c.status)).toEqual([200, 200, 401, 403]);
    expect((await pollTopic(server.url, 'nodegrid_pages', `Bearer ${TOKEN}`)).messages.map((m) => m.message)).toEqual(['as phil', 'by token']);
    expect((await pollTopic(server.url, 'nodegrid_pages')).status).toBe(403);
  });

  it('takes the JSON form at the root and RFC 2047 encoded headers, both as UTF-8', async () => {
    const server = await standIn();
    const json = await rawPost(`${server.url}/`, JSON.stringify({ topic: 'nodegrid_pages', message: 'Ünïcode ✓', title: 'Äpfel 🍎', priority: 5, tags: ['rotating_light'], click: 'https://grid.example.com/' }), { 'content-type': 'application/json' });
    expect(json.status).toBe(200);
    const encoded = await rawPost(`${server.url}/nodegrid_pages`, 'second', { Title: '=?UTF-8?Q?=C3=84pfel?=', Tags: '=?UTF-8?B?8J+NjixiZWVy?=', Priority: 'urgent' });
    expect(encoded.status).toBe(200);
    const messages = (await pollTopic(server.url, 'nodegrid_pages')).messages;
    expect(messages.map((m) => [m.title, m.message, m.priority, m.tags, m.click])).toEqual([
      ['Äpfel 🍎', 'Ünïcode ✓', 5, ['rotating_light'], 'https://grid.example.com/'],
      ['Äpfel', 'second', 5, ['🍎', 'beer'], undefined],
    ]);
  });

  it('refuses a JSON body without a valid topic, and rate-limits with ntfy’s 42901 until the bucket refills', async () => {
    let clock = 1_000_000;
    const server = await standIn({ now: () => clock });
    expect((await rawPost(`${server.url}/`, JSON.stringify({ message: 'no topic' }))).status).toBe(400);
    server.rateLimit({ burst: 1, replenishMs: 5000 });
    await publish({ server: server.url, topic: 'nodegrid_pages', message: 'one' });
    const limited = await rawPost(`${server.url}/nodegrid_pages`, 'two');
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body)).toEqual({ code: 42901, http: 429, error: 'limit reached: too many requests', link: 'https://ntfy.sh/docs/publish/#limitations' });
    clock += 5000;
    expect((await rawPost(`${server.url}/nodegrid_pages`, 'two')).status).toBe(200);
    expect(server.messages('nodegrid_pages').map((m) => m.message)).toEqual(['one', 'two']);
  });
});
