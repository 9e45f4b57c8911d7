import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePresence } from '../helpers/grid-fixture.mjs';
import { startServe, type ServeProcess } from '../helpers/serve';

/**
 * Wrong tokens are limited per client address. The server listens on
 * 127.0.0.1 only; the clients connect to it from other loopback source
 * addresses (127.0.0.2, 127.0.0.3), which is how it tells them apart.
 */
const TOKEN = 'rate-limit-token-0123456789';
let root: string;
let serve: ServeProcess;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-serve-rate-'));
  const presence = path.join(root, 'presence');
  generatePresence(presence, { now: new Date(), mix: { alive: 2 } });
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  serve = await startServe(['--presence', presence], { NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json'), NODEGRID_SERVE_TOKEN: TOKEN });
});

afterAll(async () => {
  await serve?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

function get(from: string, route: string, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: serve.port, path: route, localAddress: from, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: Date.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('serve: wrong tokens per client address', () => {
  it('after 10 wrong tokens in a minute an address gets 429 with Retry-After, logged; other addresses and correct tokens are not slowed', async () => {
    // A session opened before the guessing starts, from the address that will guess.
    const login = await get('127.0.0.2', `/login?token=${TOKEN}`);
    expect(login.status).toBe(303);
    const cookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;

    for (let i = 1; i <= 10; i++) {
      const wrong = await get('127.0.0.2', '/api/nodes', bearer(`wrong-${i}-0123456789abcdef`));
      expect(wrong.status, `attempt ${i}`).toBe(401);
    }
    for (const attempt of [bearer(TOKEN), bearer('wrong-11-0123456789abcdef')]) {
      const limited = await get('127.0.0.2', '/api/nodes', attempt);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect((await get('127.0.0.2', `/login?token=${TOKEN}`)).status).toBe(429);
    // A session id is not a guess at the token: it still opens the grid from that address.
    expect((await get('127.0.0.2', '/api/nodes', { Cookie: cookie })).status).toBe(200);

    // Another address: a correct token is served at once, a wrong one is a plain 401.
    const other = await get('127.0.0.3', '/api/nodes', bearer(TOKEN));
    expect(other.status).toBe(200);
    expect(other.ms).toBeLessThan(2000);
    expect((await get('127.0.0.1', '/api/nodes', bearer('wrong-elsewhere-0123456789'))).status).toBe(401);

    // The log reaches us through a pipe, a moment after the answer.
    for (let waited = 0; !serve.stderr().includes('wrong token from 127.0.0.1') && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serve.stderr()).toContain('wrong token from 127.0.0.2 (1 in the last 60 s)');
    expect(serve.stderr()).toMatch(/wrong token from 127\.0\.0\.2 \(10 in the last 60 s\); refusing its tokens for \d+ s/);
    expect(serve.stderr()).toContain('wrong token from 127.0.0.1 (1 in the last 60 s)');
    expect(serve.stderr()).not.toContain(TOKEN);
  });
});
