import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { runCli } from '../helpers/cli';
import { tssOf, writeBeat } from '../helpers/grid-fixture.mjs';
import { request, startServe, type ServeProcess } from '../helpers/serve';
import { hasTool } from '../helpers/tools';

/**
 * Label selectors on the dashboard: `serve -l`, /api/nodes?selector= and the
 * page's labels box in Chromium, with a node's labels in its panel.
 */
const withChromium = hasTool('chromium', import.meta.filename);
let root: string;
let presence: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;

const NODES: Record<string, Record<string, string> | undefined> = {
  'i-prod-db': { env: 'prod', tier: 'db' },
  'i-prod-app': { env: 'prod', tier: 'app', 'team.acme.io/owner': 'web' },
  'i-staging': { env: 'staging', tier: 'app' },
  'i-unlabelled': undefined,
};

function write(dir: string, now: Date): void {
  fs.mkdirSync(path.join(dir, 'it/presence/all'), { recursive: true });
  for (const [id, labels] of Object.entries(NODES)) {
    const value = { deployment: 'fed1', 'instance-id': id, ...(labels ? { labels } : {}), nodepart: 'app1', stacktype: 'lad1', state: 'running', statelog: `running:${tssOf(now)};`, statetss: tssOf(now) };
    fs.writeFileSync(path.join(dir, 'it/presence/all', `${id}.json`), `${JSON.stringify({ filetype: 'nodepresence', value }, null, 4)}\n`);
    writeBeat(dir, id, now);
  }
}

const env = (): Record<string, string> => ({ NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') });

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-serve-labels-'));
  presence = path.join(root, 'presence');
  write(presence, new Date());
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  serve = await startServe(['--presence', presence, '--refresh', '1'], env());
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const apiIds = async (port: number, query = ''): Promise<string[]> => {
  const answer = await request(port, `/api/nodes${query}`);
  expect(answer.status, answer.body).toBe(200);
  return (JSON.parse(answer.body) as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id).sort();
};

/** The raw bytes of one answer, so a compressed body is read as sent. */
function rawGet(port: number, target: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('/api/nodes on the wire', () => {
  it('is brotli or gzip as Accept-Encoding asks, plain otherwise, and a 304 with no body for the version the client holds', async () => {
    const plain = await rawGet(serve.port, '/api/nodes', {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const nodes = (JSON.parse(plain.bytes.toString('utf8')) as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id).sort();
    expect(nodes).toEqual(Object.keys(NODES).sort());
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const tag = plain.headers.etag!;
    expect(tag).toMatch(/^W\/"[A-Za-z0-9_-]{22}"$/);

    const br = await rawGet(serve.port, '/api/nodes', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBe(br.bytes.length);
    expect(br.bytes.length).toBeLessThan(plain.bytes.length);
    expect((JSON.parse(zlib.brotliDecompressSync(br.bytes).toString('utf8')) as { nodes: unknown[] }).nodes).toHaveLength(nodes.length);
    const gzip = await rawGet(serve.port, '/api/nodes', { 'Accept-Encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect((JSON.parse(zlib.gunzipSync(gzip.bytes).toString('utf8')) as { nodes: unknown[] }).nodes).toHaveLength(nodes.length);

    // The grid has not changed (refreshes every second restamp its times, not its version): the client's copy is good.
    const again = await rawGet(serve.port, '/api/nodes', { 'If-None-Match': tag, 'Accept-Encoding': 'br' });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.etag).toBe(tag);
    // Another selector is another answer.
    const selected = await rawGet(serve.port, `/api/nodes?selector=${encodeURIComponent('env=prod')}`, { 'If-None-Match': tag });
    expect(selected.status).toBe(200);
    expect(selected.headers.etag).not.toBe(tag);

    // A node changes: once the server has read it, the old tag gets the new grid, never a 304.
    const file = path.join(presence, 'it/presence/all/i-staging.json');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, before.replace('"state": "running"', '"state": "draining"'));
    try {
      let changed = await rawGet(serve.port, '/api/nodes', { 'If-None-Match': tag });
      for (let tries = 0; changed.status === 304 && tries < 60; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        changed = await rawGet(serve.port, '/api/nodes', { 'If-None-Match': tag });
      }
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(tag);
      const staging = (JSON.parse(changed.bytes.toString('utf8')) as { nodes: Array<{ id: string; state: string }> }).nodes.find((n) => n.id === 'i-staging');
      expect(staging?.state).toBe('draining');
    } finally {
      fs.writeFileSync(file, before);
    }
  });
});

describe('label selectors on the dashboard', () => {
  it('/api/nodes?selector= keeps the matching nodes, and refuses a bad selector with 400', async () => {
    expect(await apiIds(serve.port, `?selector=${encodeURIComponent('env=prod')}`)).toEqual(['i-prod-app', 'i-prod-db']);
    expect(await apiIds(serve.port, `?selector=${encodeURIComponent('tier,env!=prod')}`)).toEqual(['i-staging']);
    expect(await apiIds(serve.port, `?selector=${encodeURIComponent('!env')}`)).toEqual(['i-unlabelled']);
    const all = JSON.parse((await request(serve.port, '/api/nodes')).body) as { nodes: Array<{ id: string; labels?: Record<string, string> }> };
    expect(all.nodes.find((n) => n.id === 'i-prod-app')?.labels).toEqual({ env: 'prod', 'team.acme.io/owner': 'web', tier: 'app' });
    expect(all.nodes.find((n) => n.id === 'i-unlabelled')).not.toHaveProperty('labels');
    const bad = await request(serve.port, `/api/nodes?selector=${encodeURIComponent('env in (a)')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('not a label selector');
  });

  it('serve -l shows only the matching nodes, and a bad -l is refused before it listens', async () => {
    const prod = await startServe(['--presence', presence, '-l', 'env=prod', '-l', 'tier=app'], env());
    try {
      expect(await apiIds(prod.port)).toEqual(['i-prod-app']);
    } finally {
      await prod.stop();
    }
    const bad = await runCli(['serve', '--port', '0', '--presence', presence, '-l', 'env=a=b'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('-l "env=a=b" is not a label selector');
  });

  it.runIf(withChromium)("narrows the page by the labels box and shows a node's labels in its panel", async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(serve.url);
    await page.waitForSelector('#grid tbody tr.node');
    const rowIds = (): Promise<string[]> => page.$$eval('#grid tbody tr.node', (rows) => rows.map((row) => (row as unknown as { dataset: Record<string, string | undefined> }).dataset.id ?? '').sort());
    expect(await rowIds()).toHaveLength(4);
    await page.fill('#filter-labels', 'env=prod,tier!=db');
    await expect.poll(rowIds).toEqual(['i-prod-app']);
    await page.fill('#filter-labels', '!env');
    await expect.poll(rowIds).toEqual(['i-unlabelled']);
    // Not a selector: the box says why and hides nothing.
    await page.fill('#filter-labels', 'env=(prod)');
    await expect.poll(rowIds).toHaveLength(4);
    expect(await page.getAttribute('#filter-labels', 'aria-invalid')).not.toBeNull();
    expect(await page.getAttribute('#filter-labels', 'title')).toContain('set-based selectors');
    await page.fill('#filter-labels', '');
    await page.click('#grid a[href="#node/i-prod-app"]');
    await expect.poll(() => page.locator('#detail-fields').innerText()).toContain('env=prod, team.acme.io/owner=web, tier=app');
  }, 60_000);
});
