// Whole-process `nodegrid state set` with no remote sinks, beside `node -e ''`
// and the original's bash (three echos into the same files), in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtMb, fmtMs, median, percentile, table, timeProcess } from '../lib/measure.mjs';

export const name = 'state-set';
export const title = 'whole-process `state set` (no remote sinks) vs node -e "" vs bash echo baseline';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);

export async function run({ bin }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-'));
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(root, 'nodeinfo'), NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') };
  fs.writeFileSync(env.NODEGRID_CONFIG, '{}\n');
  await timeProcess(process.execPath, [bin, 'init', '--id', 'i-be4c0001', '--deployment', 'fed1', '--nodepart', 'db1'], { env });
  await timeProcess(process.execPath, [bin, 'state', 'set', 'setup'], { env });

  const bashScript = `echo running > ${root}/b-state.txt; echo $(date -u +%Y%m%d-%H%M%S) > ${root}/b-statetss.txt; echo -n "running:$(date -u +%Y%m%d-%H%M%S);" >> ${root}/b-statelog.txt`;
  const variants = [
    ['nodegrid state set', () => timeProcess(process.execPath, [bin, 'state', 'set', 'running', '--force'], { env })],
    ["node -e ''", () => timeProcess(process.execPath, ['-e', ''], { env })],
    ['bash: 3 echos (original)', () => timeProcess('/bin/bash', ['-c', bashScript], { env })],
  ];
  const samples = new Map(variants.map(([label]) => [label, []]));
  // Interleaved, so a noisy moment on the machine hits every variant alike.
  for (let i = 0; i < RUNS; i++) {
    for (const [label, once] of variants) samples.get(label).push(await once());
  }
  const rows = [['what', 'median', 'p95', 'peak RSS (max)']];
  for (const [label] of variants) {
    const runs = samples.get(label);
    rows.push([label, fmtMs(median(runs.map((r) => r.ms))), fmtMs(percentile(runs.map((r) => r.ms), 95)), fmtMb(Math.max(...runs.map((r) => r.rssKb ?? 0)))]);
  }
  console.log(table(rows));
  const ours = median(samples.get('nodegrid state set').map((r) => r.ms));
  const nodeAlone = median(samples.get("node -e ''").map((r) => r.ms));
  const bash = median(samples.get('bash: 3 echos (original)').map((r) => r.ms));
  const rss = Math.max(...samples.get('nodegrid state set').map((r) => r.rssKb ?? 0));
  console.log(`state set costs ${fmtMs(ours - nodeAlone)} beyond starting node (ratio ${(ours / nodeAlone).toFixed(2)}x node, ${(ours / bash).toFixed(1)}x bash)`);
  console.log(`targets: median <= 150 ms: ${ours <= 150 ? 'met' : 'NOT met'} (${fmtMs(ours)}); peak RSS <= 60 MB: ${rss / 1024 <= 60 ? 'met' : 'NOT met'} (${fmtMb(rss)})`);
  fs.rmSync(root, { recursive: true, force: true });
}
