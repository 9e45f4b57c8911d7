// `nodes --json` over generated presence (current documents + three flattime
// minutes per node) beside a Python re-implementation of the original
// buildLiveServerJson.py (list one flattime minute, json.load each file, print
// the liveserver document), on the same data in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generatePresence } from '../../test/helpers/grid-fixture.mjs';
import { fmtMb, fmtMs, median, table, timeProcess } from '../lib/measure.mjs';

export const name = 'grid';
export const title = '`nodes --json` over 10,000 nodes vs the original buildLiveServerJson.py (python3)';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NOW = new Date('2015-10-08T21:13:30Z');
// Generated once and kept: 50,000 nodes are 200,000 files.
const CACHE = path.join(os.tmpdir(), 'nodegrid-bench-grid-v1');
const SMALL_YOUNG_GENERATION = '--max-semi-space-size=4';

const PYTHON_BASELINE = `
import json, os, sys, time
root, minute = sys.argv[1], sys.argv[2]
datepath = "%s/%s/%s/%s/%s" % (minute[0:4], minute[4:6], minute[6:8], minute[8:10], minute)
folder = os.path.join(root, "it/presence/flattime", datepath, "all")
nodes = []
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name)) as f:
        nodes.append(json.load(f)["value"])
tss = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
print(json.dumps({"source": folder, "tss": tss, "tsm": minute, "datepath": datepath, "nodes": nodes}, indent=4, sort_keys=True))
`;

function presenceFor(count) {
  const dir = path.join(CACHE, String(count));
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    const started = Date.now();
    generatePresence(dir, { now: NOW, mix: { alive: Math.round(count * 0.96), stale: Math.round(count * 0.02), wedged: count - Math.round(count * 0.96) - Math.round(count * 0.02) }, deployments: ['fed1', 'fed2', 'fed3'], nodeparts: ['lb1', 'app1', 'db1'] });
    fs.writeFileSync(path.join(dir, '.complete'), '');
    console.log(`generated ${count} nodes in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
  }
  return dir;
}

export async function run({ bin }) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-grid-home-'));
  const env = { ...process.env, NODEGRID_HOME: home, NODEGRID_CONFIG: path.join(home, 'config.json') };
  fs.writeFileSync(env.NODEGRID_CONFIG, '{}\n');
  const script = path.join(home, 'buildLiveServerJson.py');
  fs.writeFileSync(script, PYTHON_BASELINE);
  const ours = (dir, moreEnv = {}) => timeProcess(process.execPath, [bin, 'nodes', '--json', '--presence', dir, '--now', NOW.toISOString()], { env: { ...env, ...moreEnv } });
  const python = (dir) => timeProcess('python3', [script, dir, '201510082113'], { env });
  // The README's tip for small machines: a smaller young generation, set from the environment.
  const smallYoung = (dir) => ours(dir, { NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} ${SMALL_YOUNG_GENERATION}`.trim() });

  const rows = [['nodes', 'what', 'median', 'peak RSS (max)', 'runs']];
  const results = new Map();
  for (const count of [1_000, 10_000, 50_000]) {
    const dir = presenceFor(count);
    const runs = count === 10_000 ? RUNS : 3;
    const variants = [['nodegrid nodes --json', ours], ['python buildLiveServerJson', python], ...(count === 10_000 ? [[`nodegrid, NODE_OPTIONS=${SMALL_YOUNG_GENERATION}`, smallYoung]] : [])];
    for (const [label, once] of variants) {
      await once(dir); // warm the page cache: both read the same files
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await once(dir));
      const ms = median(samples.map((s) => s.ms));
      const rss = Math.max(...samples.map((s) => s.rssKb ?? 0));
      results.set(`${count} ${label}`, { ms, rss });
      rows.push([count.toLocaleString('en'), label, fmtMs(ms), fmtMb(rss), runs]);
    }
  }
  console.log(table(rows));
  const at = (count, label) => results.get(`${count} ${label}`);
  const o10 = at(10_000, 'nodegrid nodes --json');
  const p10 = at(10_000, 'python buildLiveServerJson');
  console.log(`10,000 nodes: nodegrid is ${(o10.ms / p10.ms).toFixed(2)}x the Python baseline (it reads every current document, lists three minutes of beats and classifies health; the baseline reads one minute)`);
  const growth = (label) => `1k ${fmtMs(at(1_000, label).ms)} -> 10k ${fmtMs(at(10_000, label).ms)} (x${(at(10_000, label).ms / at(1_000, label).ms).toFixed(1)}) -> 50k ${fmtMs(at(50_000, label).ms)} (x${(at(50_000, label).ms / at(10_000, label).ms).toFixed(1)})`;
  console.log(`growth, nodegrid: ${growth('nodegrid nodes --json')}`);
  console.log(`growth, python:   ${growth('python buildLiveServerJson')}`);
  console.log(
    `targets: 10k <= 1 s: ${o10.ms <= 1000 ? 'met' : 'NOT met'} (${fmtMs(o10.ms)}); <= 0.7x the baseline (issue 21): ${o10.ms <= 0.7 * p10.ms ? 'met' : 'NOT met'} (${(o10.ms / p10.ms).toFixed(2)}x); peak RSS <= 100 MB: ${o10.rss / 1024 <= 100 ? 'met' : 'NOT met'} (${fmtMb(o10.rss)})`,
  );
  const small = at(10_000, `nodegrid, NODE_OPTIONS=${SMALL_YOUNG_GENERATION}`);
  console.log(`with NODE_OPTIONS=${SMALL_YOUNG_GENERATION}: ${fmtMs(small.ms)} (${(small.ms / o10.ms).toFixed(2)}x), peak RSS ${fmtMb(small.rss)} (${(small.rss / o10.rss).toFixed(2)}x)`);
  fs.rmSync(home, { recursive: true, force: true });
}
