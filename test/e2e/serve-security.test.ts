import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { generatePresence } from '../helpers/grid-fixture.mjs';
import { request, startServe, type ServeProcess } from '../helpers/serve';

const TOKEN = 'test-token-0123456789abcdef';
let root: string;
let presence: string;
let env: Record<string, string>;
let open: ServeProcess;
let guarded: ServeProcess;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-serve-sec-'));
  presence = path.join(root, 'presence');
  generatePresence(presence, { now: new Date(), mix: { alive: 3, wedged: 1 } });
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  env = { NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') };
  // The guarded server listens on every address (the token is what makes that allowed); the tests only ever connect to 127.0.0.1.
  [open, guarded] = await Promise.all([startServe(['--presence', presence], env), startServe(['--presence', presence, '--host', '0.0.0.0'], { ...env, NODEGRID_SERVE_TOKEN: TOKEN })]);
});

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('nodegrid serve: safe by default', () => {
  it('refuses a non-loopback address without a token, before listening, with exit 2', async () => {
    const r = await runCli(['serve', '--presence', presence, '--host', '0.0.0.0', '--port', '0'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to serve the grid on "0.0.0.0" without a token');
    expect(r.stdout).toBe('');
  });

  it('refuses a short token and a bad port', async () => {
    const short = await runCli(['serve', '--presence', presence, '--port', '0', '--token', 'short'], { env });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16 characters');
    const port = await runCli(['serve', '--presence', presence, '--port', 'http'], { env });
    expect(port.code).toBe(2);
  });

  it('with a token, answers 401 on the page, assets, API and event stream without it', async () => {
    for (const route of ['/', '/index.html', '/app.js', '/style.css', '/api/nodes', '/api/events', '/api/nodes/i-alive-00000/history', '/events', '/nope']) {
      const r = await request(guarded.port, route);
      expect(r.status, route).toBe(401);
      expect(r.body, route).not.toContain('i-alive');
    }
    expect((await request(guarded.port, '/api/nodes', { headers: { Authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    expect((await request(guarded.port, '/api/nodes', { headers: { Cookie: 'nodegrid_session=deadbeef' } })).status).toBe(401);
  });

  it('with a token, a bearer header or the cookie from a one-time login opens every route', async () => {
    const bearer = await request(guarded.port, '/api/nodes', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect((JSON.parse(bearer.body) as { nodes: unknown[] }).nodes).toHaveLength(4);
    expect((await request(guarded.port, `/login?token=wrong-${TOKEN}`)).status).toBe(401);
    const login = await request(guarded.port, `/login?token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^nodegrid_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    for (const route of ['/', '/app.js', '/api/nodes', '/events']) expect((await request(guarded.port, route, { headers: { Cookie: session } })).status, route).toBe(200);
    expect(guarded.stderr()).toContain('token required');
    expect(guarded.stderr()).not.toContain(TOKEN);
  });

  it('sets the security headers on every response, errors and the event stream included', async () => {
    for (const [port, route] of [[open.port, '/'], [open.port, '/api/nodes'], [open.port, '/events'], [open.port, '/nope'], [guarded.port, '/']] as const) {
      const r = await request(port, route);
      expect(r.headers['content-security-policy'], route).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('answers HEAD like GET, with no body', async () => {
    for (const route of ['/', '/app.js', '/style.css', '/api/nodes', '/api/events', '/api/nodes/i-wedged-00000/history', '/events', '/nope']) {
      const [get, head] = [await request(open.port, route), await request(open.port, route, { method: 'HEAD' })];
      expect(head.status, route).toBe(get.status);
      expect(head.headers['content-type'], route).toBe(get.headers['content-type']);
      expect(head.body, route).toBe('');
      if (route !== '/events') expect(head.headers['content-length'], route).toBe(String(Buffer.byteLength(get.body)));
    }
  });

  it('gives bad requests a short 4xx and keeps serving', async () => {
    const cases: Array<[string, number, { method?: string; headers?: Record<string, string> }?]> = [
      ['/api/nodes/i-nobody/history', 404],
      ['/api/nodes/..%2F..%2Fetc%2Fpasswd/history', 400],
      ['/%2e%2e/%2e%2e/etc/passwd', 400],
      ['/..\\..\\etc\\passwd', 400],
      ['/web/../package.json', 400],
      ['/chunks/server.mjs', 404],
      ['/api/nodes/%ZZ/history', 400],
      [`/api/nodes?${'q'.repeat(5000)}`, 414],
      [`/api/events?limit=100000`, 400],
      ['/api/nodes', 405, { method: 'POST' }],
      ['/api/nodes', 405, { method: 'DELETE' }],
      ['/api/nodes', 403, { headers: { Host: 'evil.example' } }],
    ];
    for (const [route, status, options] of cases) {
      const r = await request(open.port, route, options);
      expect(r.status, route).toBe(status);
      expect(r.body.length, route).toBeLessThan(200);
      expect(r.body, route).not.toContain('passwd');
    }
    const still = await request(open.port, '/api/nodes');
    expect(still.status).toBe(200);
    expect((JSON.parse(still.body) as { counts: Record<string, number> }).counts).toMatchObject({ alive: 3, wedged: 1 });
  });

  it('serves the same field names as nodes --json, and events newest first', async () => {
    const [api, cli] = await Promise.all([request(open.port, '/api/nodes'), runCli(['nodes', '--json', '--presence', presence], { env })]);
    const served = (JSON.parse(api.body) as { nodes: Array<Record<string, unknown>> }).nodes;
    const printed = JSON.parse(cli.stdout) as Array<Record<string, unknown>>;
    expect(served.map((n) => Object.keys(n).sort())).toEqual(printed.map((n) => Object.keys(n).sort()));
    expect(served.map((n) => n.id)).toEqual(printed.map((n) => n.id));
    const events = (JSON.parse((await request(open.port, '/api/events?limit=3')).body) as { events: Array<{ at: string; seq: number }> }).events;
    expect(events).toHaveLength(3);
    expect(events[0]!.seq).toBeGreaterThan(events[1]!.seq);
  });
});
