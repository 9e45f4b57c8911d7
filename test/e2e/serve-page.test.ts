import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { generatePresence, presenceDocument, tssOf, updateDocument, writeBeat } from '../helpers/grid-fixture.mjs';
import { startServe, type ServeProcess } from '../helpers/serve';
import { hasTool } from '../helpers/tools';

const withChromium = hasTool('chromium', import.meta.filename);

const HOSTILE = '<img src=x onerror=alert(1)>';
let root: string;
let presence: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const consoleErrors: string[] = [];
let documentCsp: string | undefined;

beforeAll(async () => {
  if (!withChromium) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-serve-page-'));
  presence = path.join(root, 'presence');
  // The real clock: the test changes presence while the page is open and health follows the clock.
  const now = new Date();
  generatePresence(presence, { now, mix: { alive: 6, stale: 2, zombie: 1, wedged: 1, retired: 1, new: 1 }, deployments: ['fed1', 'fed2'], hostile: true });
  // A node whose strings are markup: the reader drops an invalid deployment, the field and the file name of a hostile document reach the page.
  fs.writeFileSync(
    path.join(presence, 'it/presence/all/i-hostile.json'),
    presenceDocument({ 'instance-id': 'i-hostile', deployment: HOSTILE, nodepart: 'app1', stacktype: 'lad1', state: 'running', statetss: tssOf(now), note: HOSTILE }),
  );
  writeBeat(presence, 'i-hostile', now);
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  serve = await startServe(['--presence', presence, '--refresh', '1'], { NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') });
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const response = await page.goto(serve.url);
  documentCsp = response?.headers()['content-security-policy'];
  await page.waitForSelector('#grid tbody tr.node');
});

afterAll(async () => {
  if (!withChromium) return;
  await browser?.close();
  await serve?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const rowIds = (p: Page): Promise<string[]> => p.$$eval('#grid tbody tr.node', (rows) => rows.map((row) => (row as unknown as { dataset: Record<string, string | undefined> }).dataset.id ?? ''));
const count = (p: Page, health: string): Promise<string> => p.locator(`#health-counts [data-health="${health}"] b`).innerText();

describe.runIf(withChromium)('nodegrid serve in a browser', () => {
  it('lists every node of the presence folder with the right health counts, troubled groups first', async () => {
    expect(await rowIds(page)).toHaveLength(13);
    expect({ alive: await count(page, 'alive'), new: await count(page, 'new'), stale: await count(page, 'stale'), zombie: await count(page, 'zombie'), wedged: await count(page, 'wedged'), retired: await count(page, 'retired') }).toEqual({
      alive: '7',
      new: '1',
      stale: '2',
      zombie: '1',
      wedged: '1',
      retired: '1',
    });
    // A node that has not beaten yet is shown as new, not as a problem.
    expect(await page.locator('#grid tr[data-health="new"] .badge').innerText()).toBe('new');
    // The first row of the page belongs to the worst node.
    expect(await page.locator('#grid tbody tr.node').first().getAttribute('data-health')).toBe('wedged');
    expect(await page.locator('#deployments tbody tr').count()).toBe(3); // fed1, fed2 and "?" (the hostile node's dropped deployment)
  });

  it('narrows the table by text, deployment and health, and shows all again when cleared', async () => {
    await page.fill('#filter-text', 'zombie');
    await expect.poll(() => rowIds(page)).toEqual(['i-zombie-00000']);
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-health', 'stale');
    await expect.poll(() => rowIds(page)).toEqual(['i-stale-00000', 'i-stale-00001']);
    await page.selectOption('#filter-deployment', 'fed1');
    await expect.poll(async () => (await rowIds(page)).length).toBe(1);
    await page.selectOption('#filter-health', '');
    await page.selectOption('#filter-deployment', '');
    await expect.poll(async () => (await rowIds(page)).length).toBe(13);
  });

  it("opens a node's detail with its state history as a timeline", async () => {
    await page.click('#grid a[href="#node/i-wedged-00000"]');
    await page.waitForSelector('#detail-timeline li');
    expect(await page.locator('#detail-title').innerText()).toBe('i-wedged-00000');
    const steps = await page.locator('#detail-timeline li .badge').allInnerTexts();
    expect(steps).toEqual(['wedged', 'setup']);
    expect(await page.locator('#detail-limits').innerText()).toContain('no git history');
  });

  it('shows a state change written to presence within the refresh interval, without a reload', async () => {
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'same page'));
    const at = new Date();
    updateDocument(presence, 'i-alive-00003', { state: 'wedged', statetss: tssOf(at), statelog: `setup:${tssOf(new Date(at.getTime() - 7_200_000))};running:${tssOf(new Date(at.getTime() - 3_600_000))};wedged:${tssOf(at)};` });
    const row = page.locator('#grid tr[data-id="i-alive-00003"]');
    await expect.poll(() => row.getAttribute('data-health'), { timeout: 5000 }).toBe('wedged');
    expect(await row.locator('td').nth(2).innerText()).toBe('wedged');
    expect(await count(page, 'wedged')).toBe('2');
    // Newest first: the health transition (noticed now) above the state change (timed at its statetss).
    const feed = await page.locator('#feed li').allInnerTexts();
    expect(feed[0]).toContain('i-alive-00003:fed2/app1: health alive -> wedged');
    expect(feed[1]).toContain('i-alive-00003:fed2/app1: running -> wedged');
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('same page');
    expect(await page.locator('#status').innerText()).toMatch(/^live/);
  });

  it('shows hostile strings as text: no dialog, no console error, no element made from node data', async () => {
    await page.click('#problems summary');
    expect(await page.locator('#problems li code').allInnerTexts()).toContain(`it/presence/all/${HOSTILE}.json`);
    await page.click('#grid a[href="#node/i-hostile"]');
    await page.waitForSelector('#detail[data-id="i-hostile"]');
    const note = page.locator('#detail-fields dt', { hasText: 'note' }).locator('xpath=following-sibling::dd[1]');
    expect(await note.innerText()).toBe(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(documentCsp).toContain("default-src 'self'");
    expect(documentCsp).toContain("script-src 'self'");
    expect(documentCsp).not.toContain('unsafe-inline');
    expect(documentCsp).not.toContain('unsafe-eval');
  });

  it('says so when the server is gone, without losing what it shows', async () => {
    await serve.stop();
    await expect.poll(() => page.locator('#status').getAttribute('class'), { timeout: 5000 }).toContain('gone');
    expect(await page.locator('#status').innerText()).toContain('server unreachable');
    expect(await rowIds(page)).toHaveLength(13);
  });
});
