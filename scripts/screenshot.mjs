// `node scripts/screenshot.mjs [OUT.png]`: the dashboard over a demo-like grid,
// photographed by headless Chromium into docs/dashboard.png for the README.
// Builds its own copy of the bundle and generates its own presence folder in a
// temporary folder; only 127.0.0.1 is contacted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, startServeProcess } from '../test/helpers/dashboard.mjs';
import { generatePresence, tssOf, updateDocument } from '../test/helpers/grid-fixture.mjs';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'dashboard.png'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-screenshot-'));
let serve;
let browser;
try {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), path.join(work, 'dist')], { stdio: 'inherit' });
  const presence = path.join(work, 'presence');
  const now = new Date();
  // A grid a newcomer recognises: two federations of lad1 stacks, mostly healthy, a few nodes needing a person.
  generatePresence(presence, {
    now,
    mix: { alive: 28, stale: 2, zombie: 1, wedged: 1, retired: 2 },
    deployments: ['fed1', 'fed2'],
    nodeparts: ['lb1', 'app1', 'db1'],
    fields: (id) => ({ hostname: `${id.replace(/^i-/, '')}.grid.internal` }),
  });
  fs.writeFileSync(path.join(work, 'config.json'), '{}\n');
  const env = { ...process.env, NODEGRID_HOME: path.join(work, 'home'), NODEGRID_CONFIG: path.join(work, 'config.json'), NODEGRID_SERVE_TOKEN: '' };
  serve = await startServeProcess(path.join(work, 'dist', 'nodegrid.cjs'), ['--presence', presence, '--refresh', '1'], env);
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  await page.goto(serve.url);
  await page.waitForSelector('#grid tbody tr.node');
  // One change while the page is open, so the feed shows a live line as well.
  updateDocument(presence, 'i-alive-00004', { state: 'draining', statetss: tssOf(new Date()) });
  await page.waitForSelector('#grid tr[data-id="i-alive-00004"] >> text=draining', { timeout: 5000 });
  await page.click('#grid a[href="#node/i-wedged-00000"]');
  await page.waitForSelector('#detail-timeline li');
  await page.waitForTimeout(2500); // let the highlight of the changed row fade
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)`);
} finally {
  await browser?.close();
  await serve?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
