// `nodegrid serve` over 10,000 nodes in headless Chromium: time from navigation
// to the first render of the table (summary and the first 1,000 rows in the
// DOM) and to every row rendered, and the bytes the browser downloads for the
// page and its scripts and styles (the grid's JSON counted apart, as data).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startServeProcess } from '../../test/helpers/dashboard.mjs';
import { generatePresence } from '../../test/helpers/grid-fixture.mjs';
import { fmtMs, median, table } from '../lib/measure.mjs';

export const name = 'serve';
export const title = 'dashboard: first render of 10,000 nodes in headless Chromium, and page weight';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNT = 10_000;
const NOW = new Date('2015-10-08T21:13:30Z');
// The folder 40-grid.mjs generates and keeps (same mix), so the two scenarios share it.
const CACHE = path.join(os.tmpdir(), 'nodegrid-bench-grid-v1', String(COUNT));

function presence() {
  if (!fs.existsSync(path.join(CACHE, '.complete'))) {
    fs.rmSync(CACHE, { recursive: true, force: true });
    const alive = Math.round(COUNT * 0.96);
    const stale = Math.round(COUNT * 0.02);
    generatePresence(CACHE, { now: NOW, mix: { alive, stale, wedged: COUNT - alive - stale }, deployments: ['fed1', 'fed2', 'fed3'], nodeparts: ['lb1', 'app1', 'db1'] });
    fs.writeFileSync(path.join(CACHE, '.complete'), '');
  }
  return CACHE;
}

export async function run({ bin }) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-serve-'));
  fs.writeFileSync(path.join(home, 'config.json'), '{}\n');
  const env = { ...process.env, NODEGRID_HOME: home, NODEGRID_CONFIG: path.join(home, 'config.json'), NODEGRID_SERVE_TOKEN: '' };
  const serve = await startServeProcess(bin, ['--presence', presence(), '--now', NOW.toISOString(), '--refresh', '3600'], env, 120_000);
  const browser = await launchChromium();
  try {
    const samples = [];
    for (let i = 0; i <= RUNS; i++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const bytes = { page: 0, data: 0 };
      const bodies = [];
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.pathname === '/events') return;
        const kind = url.pathname.startsWith('/api/') ? 'data' : 'page';
        bodies.push(response.body().then((body) => (bytes[kind] += body.length), () => undefined));
      });
      await page.goto(serve.url);
      await page.waitForFunction(() => performance.getEntriesByName('nodegrid-first-render').length > 0, null, { timeout: 60_000 });
      await page.waitForFunction((count) => document.body.dataset.rendered === String(count), COUNT, { timeout: 60_000, polling: 50 });
      const timing = await page.evaluate(() => ({ first: performance.getEntriesByName('nodegrid-first-render')[0].startTime, all: performance.now() }));
      const rows = await page.evaluate(() => document.querySelectorAll('#grid tbody tr.node').length);
      await Promise.all(bodies);
      await page.close();
      if (rows !== COUNT) throw new Error(`the page shows ${rows} rows, not ${COUNT}`);
      // The first load warms Chromium and the server; it is not counted.
      if (i > 0) samples.push({ ...timing, ...bytes });
    }
    const first = median(samples.map((s) => s.first));
    const all = median(samples.map((s) => s.all));
    const pageBytes = samples[0].page;
    console.log(
      table([
        ['what', 'median', 'runs'],
        ['first render (summary + first 1,000 rows)', fmtMs(first), RUNS],
        ['all 10,000 rows in the DOM', fmtMs(all), RUNS],
        ['page + scripts + styles downloaded', `${(pageBytes / 1024).toFixed(1)} KB`, ''],
        ['grid data (/api/nodes + /api/events)', `${(samples[0].data / 1024).toFixed(0)} KB`, ''],
      ]),
    );
    console.log(`targets: first render of 10k nodes <= 2 s: ${first <= 2000 ? 'met' : 'NOT met'} (${fmtMs(first)}); page and scripts <= 200 KB: ${pageBytes <= 200 * 1024 ? 'met' : 'NOT met'} (${(pageBytes / 1024).toFixed(1)} KB)`);
  } finally {
    await browser.close();
    await serve.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
