// An idle `nodegrid tick` (3 followed repos, nothing changed, jitter off, no
// presence remote) beside a shell baseline doing one `git pull` per repo, same run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtMb, fmtMs, median, percentile, table, timeProcess } from '../lib/measure.mjs';

export const name = 'tick';
export const title = 'idle `tick` (3 repos, nothing changed) vs one `git pull` per repo in shell';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const git = (cwd, ...args) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });

export async function run({ bin }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-tick-'));
  const repoDir = path.join(root, 'gitrepo');
  fs.mkdirSync(repoDir);
  for (const name of ['config', 'app', 'data']) {
    const remote = path.join(root, `${name}.git`);
    const seed = path.join(root, `${name}-seed`);
    git(root, 'init', '-q', '--bare', remote);
    git(root, 'clone', '-q', remote, seed);
    fs.mkdirSync(path.join(seed, 'bin/nodework/common'), { recursive: true });
    fs.writeFileSync(path.join(seed, 'bin/nodework/common/work.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'seed');
    git(seed, 'push', '-q', 'origin', 'HEAD:main');
    git(repoDir, 'clone', '-q', remote, name);
  }
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(root, 'nodeinfo'), NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') };
  fs.writeFileSync(env.NODEGRID_CONFIG, JSON.stringify({ heartbeat: { repoDir } }));
  await timeProcess(process.execPath, [bin, 'init', '--id', 'i-be4c7100', '--initgitrepo', 'config'], { env });
  await timeProcess(process.execPath, [bin, 'tick', '--now'], { env }); // the first tick works; later ones are idle

  const shell = `for r in ${repoDir}/*/; do git -C "$r" pull -q --ff-only; done`;
  const variants = [
    ['nodegrid tick (idle)', () => timeProcess(process.execPath, [bin, 'tick', '--now'], { env })],
    ['shell: git pull x3', () => timeProcess('/bin/sh', ['-c', shell], { env })],
  ];
  const samples = new Map(variants.map(([label]) => [label, []]));
  for (let i = 0; i < RUNS; i++) for (const [label, once] of variants) samples.get(label).push(await once());
  const rows = [['what', 'median', 'p95', 'peak RSS (max)']];
  for (const [label] of variants) {
    const runs = samples.get(label);
    rows.push([label, fmtMs(median(runs.map((r) => r.ms))), fmtMs(percentile(runs.map((r) => r.ms), 95)), fmtMb(Math.max(...runs.map((r) => r.rssKb ?? 0)))]);
  }
  console.log(table(rows));
  const ours = median(samples.get('nodegrid tick (idle)').map((r) => r.ms));
  const shellMs = median(samples.get('shell: git pull x3').map((r) => r.ms));
  const rss = Math.max(...samples.get('nodegrid tick (idle)').map((r) => r.rssKb ?? 0));
  console.log(`idle tick is ${(ours / shellMs).toFixed(2)}x the shell baseline (${fmtMs(ours - shellMs)} more; it also fetches in parallel, decides, logs and checks the outbox)`);
  console.log(`targets: idle tick <= 1.3x the shell (issue 21): ${ours / shellMs <= 1.3 ? 'met' : 'NOT met'} (${(ours / shellMs).toFixed(2)}x); peak RSS <= 80 MB: ${rss / 1024 <= 80 ? 'met' : 'NOT met'} (${fmtMb(rss)})`);
  fs.rmSync(root, { recursive: true, force: true });
}
