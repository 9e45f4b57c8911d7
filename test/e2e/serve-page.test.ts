import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { generatePresence, minuteOf, presenceDocument, tssOf, updateDocument, writeBeat } from '../helpers/grid-fixture.mjs';
import { startServe, type ServeProcess } from '../helpers/serve';
import { hasTool } from '../helpers/tools';

const withChromium = hasTool('chromium', import.meta.filename);

const HOSTILE = '<img src=x onerror=alert(1)>';
/** The minute the time-travel test goes back to: only i-alive-00001 beat then, still in setup. */
const PAST_MINUTES_AGO = 30;
let past: Date;
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
  generatePresence(presence, {
    now,
    mix: { alive: 6, stale: 2, zombie: 1, wedged: 1, retired: 1, new: 1 },
    deployments: ['fed1', 'fed2'],
    hostile: true,
    // Alive nodes publish where they are (presence.fields); the new node is of another stacktype.
    fields: (id: string, kind: string) => (kind === 'alive' ? { hostname: `${id}.grid.example`, privateIp: `10.0.0.${Number(id.slice(-1)) + 1}` } : kind === 'new' ? { stacktype: 'web2' } : {}),
  });
  // A node whose strings are markup: the reader drops an invalid deployment, the field and the file name of a hostile document reach the page.
  fs.writeFileSync(
    path.join(presence, 'it/presence/all/i-hostile.json'),
    presenceDocument({ 'instance-id': 'i-hostile', deployment: HOSTILE, nodepart: 'app1', stacktype: 'lad1', state: 'running', statetss: tssOf(now), note: HOSTILE, hostname: HOSTILE }),
  );
  writeBeat(presence, 'i-hostile', now);
  // Half an hour ago i-alive-00001 was still in setup, and the only node to beat in that minute.
  past = new Date(now.getTime() - PAST_MINUTES_AGO * 60_000);
  const pastDir = path.join(presence, 'it/presence/flattime', ...utcFolders(past), minuteOf(past), 'all');
  fs.mkdirSync(pastDir, { recursive: true });
  fs.writeFileSync(
    path.join(pastDir, 'i-alive-00001.json'),
    presenceDocument({ 'instance-id': 'i-alive-00001', deployment: 'fed2', nodepart: 'app1', stacktype: 'lad1', state: 'setup', statetss: tssOf(new Date(past.getTime() - 60_000)) }),
  );
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

/** ["2015", "10", "08", "21"]: the flattime folders of a UTC hour. */
function utcFolders(at: Date): string[] {
  return at.toISOString().slice(0, 13).split(/[-T]/);
}

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

  it('shows each node\'s hostname and address, by the rule of nodes -o wide (privateIp, else a plain hostname)', async () => {
    expect(await page.locator('#grid-head th').allInnerTexts()).toEqual(expect.arrayContaining(['hostname', 'address']));
    const alive = page.locator('#grid tr[data-id="i-alive-00001"]');
    expect(await alive.locator('td.hostname').innerText()).toBe('i-alive-00001.grid.example');
    expect(await alive.locator('td.address').innerText()).toBe('10.0.0.2');
    const stale = page.locator('#grid tr[data-id="i-stale-00000"]');
    expect([await stale.locator('td.hostname').innerText(), await stale.locator('td.address').innerText()]).toEqual(['—', '—']);
    // Markup is not a DNS name: shown as the hostname (as text), never offered as an address.
    const hostile = page.locator('#grid tr[data-id="i-hostile"]');
    expect([await hostile.locator('td.hostname').innerText(), await hostile.locator('td.address').innerText()]).toEqual([HOSTILE, '—']);
  });

  it('narrows the table by stacktype', async () => {
    expect(await page.locator('#filter-stacktype option').allInnerTexts()).toEqual(['all stacktypes', 'lad1', 'web2']);
    await page.selectOption('#filter-stacktype', 'web2');
    await expect.poll(() => rowIds(page)).toEqual(['i-new-00000']);
    await page.selectOption('#filter-stacktype', '');
    await expect.poll(async () => (await rowIds(page)).length).toBe(13);
  });

  it('shows the note as a column only when the operator switches it on, and remembers the choice', async () => {
    expect(await page.locator('#note-header').isVisible()).toBe(false);
    expect(await page.locator('#grid td.note').count()).toBe(0);
    await page.check('#show-note');
    const note = page.locator('#grid tr[data-id="i-hostile"] td.note');
    await expect.poll(() => note.innerText()).toBe(HOSTILE);
    expect(await page.locator('#note-header').isVisible()).toBe(true);
    // Header and rows keep one set of columns: the note cell sits under the note header.
    const headerX = (await page.locator('#note-header').boundingBox())!.x;
    expect(Math.abs((await note.boundingBox())!.x - headerX)).toBeLessThan(2);
    await page.reload();
    await page.waitForSelector('#grid tbody tr.node');
    expect(await page.isChecked('#show-note')).toBe(true);
    await expect.poll(() => page.locator('#grid tr[data-id="i-hostile"] td.note').innerText()).toBe(HOSTILE);
    await page.uncheck('#show-note');
    await expect.poll(() => page.locator('#grid td.note').count()).toBe(0);
    expect(await page.locator('#note-header').isVisible()).toBe(false);
  });

  it("shows a node's beats of the last hour as a strip of 60 minutes in its panel", async () => {
    await page.click('#grid a[href="#node/i-alive-00000"]');
    await page.waitForSelector('#detail[data-id="i-alive-00000"]');
    // The fixture's alive nodes beat this minute and the two before it; retired nodes never do.
    await expect.poll(() => page.locator('#detail-beats-caption').innerText()).toMatch(/^3 of the last 60 minutes/);
    expect(await page.locator('#detail-beats .cell').count()).toBe(60);
    expect(await page.locator('#detail-beats .cell.beat').count()).toBe(3);
    // Oldest left: three minutes in a row at the right end (the clock may have moved on a minute or two since the fixture).
    const filled = (await page.$$eval('#detail-beats .cell', (cells) => cells.map((cell) => cell.classList.contains('beat')))).flatMap((beat, i) => (beat ? [i] : []));
    expect(filled[2]! - filled[0]!).toBe(2);
    expect(filled[2]).toBeGreaterThanOrEqual(56);
    await page.click('#grid a[href="#node/i-retired-00000"]');
    await expect.poll(() => page.locator('#detail-beats-caption').innerText()).toMatch(/^0 of the last 60 minutes/);
    expect(await page.locator('#detail-beats .cell.beat').count()).toBe(0);
  });

  it('shows hostile strings as text: no dialog, no console error, no element made from node data', async () => {
    await page.click('#problems summary');
    expect(await page.locator('#problems li code').allInnerTexts()).toContain(`it/presence/all/${HOSTILE}.json`);
    await page.click('#grid a[href="#node/i-hostile"]');
    await page.waitForSelector('#detail[data-id="i-hostile"]');
    const note = page.locator('#detail-fields dt', { hasText: 'note' }).locator('xpath=following-sibling::dd[1]');
    expect(await note.innerText()).toBe(HOSTILE);
    await expect.poll(() => page.locator('#detail-beats .cell.beat').count()).toBeGreaterThan(0);
    // The note column and the hostname column, switched on together, still hold text only.
    // The table is drawn again after the click, not during it: wait for the cell as the other note test does.
    await page.check('#show-note');
    await expect.poll(() => page.locator('#grid tr[data-id="i-hostile"] td.note').innerText()).toBe(HOSTILE);
    expect(await page.locator('#grid tr[data-id="i-hostile"] td.hostname').innerText()).toBe(HOSTILE);
    await page.uncheck('#show-note');
    await expect.poll(() => page.locator('#grid td.note').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(documentCsp).toContain("default-src 'self'");
    expect(documentCsp).toContain("script-src 'self'");
    expect(documentCsp).not.toContain('unsafe-inline');
    expect(documentCsp).not.toContain('unsafe-eval');
  });

  it('shows the grid at a past minute under a banner, with live updates paused, and goes back to now', async () => {
    const minute = past.toISOString().slice(0, 16);
    await page.fill('#travel-time', minute);
    await page.click('#travel button[type="submit"]');
    await page.waitForSelector('#past:not([hidden]) #past-body tr');
    expect(await page.locator('#past-banner').innerText()).toContain(`the grid at ${minute.replace('T', ' ')} UTC`);
    expect(await page.locator('#grid').isVisible()).toBe(false);
    // A folder has no history: the past is who beat in that minute, as their beat files said, and the page says so.
    const rows = await page.$$eval('#past-body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([['i-alive-00001', 'fed2 / app1', 'lad1', 'setup', '1 min before', 'beat']]);
    expect(await page.locator('#past-limits').innerText()).toContain('has no git history');
    expect(await page.locator('#status').innerText()).toContain('paused');

    // Paused: a change in presence now is not shown in the past, nor in the counts, until the operator comes back.
    const wedgedBefore = await count(page, 'wedged');
    updateDocument(presence, 'i-alive-00004', { state: 'wedged', statetss: tssOf(new Date()) });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await page.locator('#status').innerText()).toContain('paused');
    expect(await count(page, 'wedged')).toBe(wedgedBefore);
    expect(await page.locator('#past-body tr').count()).toBe(1);

    await page.click('#travel-now');
    await expect.poll(() => page.locator('#grid tr[data-id="i-alive-00004"]').getAttribute('data-health'), { timeout: 5000 }).toBe('wedged');
    expect(await page.locator('#past').isVisible()).toBe(false);
    expect(await rowIds(page)).toHaveLength(13);
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 5000 }).toMatch(/^live/);
  });

  it('refuses a time after the server clock, saying why, and stays live', async () => {
    await page.fill('#travel-time', new Date(Date.now() + 86_400_000).toISOString().slice(0, 16));
    await page.click('#travel button[type="submit"]');
    await expect.poll(() => page.locator('#travel-error').innerText()).toContain("is after the server's clock");
    expect(await page.locator('#past').isVisible()).toBe(false);
    expect(await rowIds(page)).toHaveLength(13);
  });

  it('says so when the server is gone, without losing what it shows', async () => {
    await serve.stop();
    await expect.poll(() => page.locator('#status').getAttribute('class'), { timeout: 5000 }).toContain('gone');
    expect(await page.locator('#status').innerText()).toContain('server unreachable');
    expect(await rowIds(page)).toHaveLength(13);
  });
});
