// Whole-process `nodegrid state set` with no remote sinks, `--version` and
// `--help`, beside `node -e ''` and the original's bash (three echos into the
// same files), interleaved in the same run. Issue 21's targets are ratios to
// `node -e ''`: state set <= 1.3x (peak RSS <= 1.25x), --version and --help <= 1.15x.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtMb, fmtMs, median, percentile, table, timeProcess } from '../lib/measure.mjs';

export const name = 'state-set';
export const title = 'whole-process `state set` (no remote sinks), --version and --help vs node -e "" vs bash echo baseline';

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
    ['nodegrid --version', () => timeProcess(process.execPath, [bin, '--version'], { env })],
    ['nodegrid --help', () => timeProcess(process.execPath, [bin, '--help'], { env })],
    ["node -e ''", () => timeProcess(process.execPath, ['-e', ''], { env })],
    ['bash: 3 echos (original)', () => timeProcess('/bin/bash', ['-c', bashScript], { env })],
  ];
  const samples = new Map(variants.map(([label]) => [label, []]));
  // One run of each first: nodegrid keeps a code cache per command under the home, written by its first run.
  for (const [, once] of variants) await once();
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
  const nodeRss = Math.max(...samples.get("node -e ''").map((r) => r.rssKb ?? 0));
  const ratio = (label) => median(samples.get(label).map((r) => r.ms)) / nodeAlone;
  const verdict = (value, target) => `${value.toFixed(2)}x, target <= ${target}x: ${value <= target ? 'met' : 'NOT met'}`;
  console.log(`state set / node -e '': ${verdict(ours / nodeAlone, 1.3)}; peak RSS ${verdict(rss / nodeRss, 1.25)}`);
  console.log(`--version / node -e '': ${verdict(ratio('nodegrid --version'), 1.15)}; --help / node -e '': ${verdict(ratio('nodegrid --help'), 1.15)}`);
  fs.rmSync(root, { recursive: true, force: true });
}
