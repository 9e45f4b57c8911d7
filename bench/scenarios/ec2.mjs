// EC2: `state set` with ec2.enabled: false, from the real split bundle and from a
// second bundle with the AWS SDK inlined into the entry (splitting: false), to
// show what lazy loading saves; then, with EC2 enabled against the local
// stand-in (test/helpers/ec2-server.ts, bundled here), the time from starting
// `state set` to the tags being written. Nothing leaves 127.0.0.1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { fmtMs, median, percentile, table, timeProcess } from '../lib/measure.mjs';

export const name = 'ec2';
export const title = 'state set with EC2 off (lazy SDK chunk vs SDK inlined) and end-to-end time to EC2 tags written';

const RUNS = Math.max(20, Number(process.env.BENCH_RUNS ?? 25));
const E2E_RUNS = Number(process.env.BENCH_EC2_RUNS ?? 15);

export async function run({ root }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-ec2-'));
  try {
    // Our own copy of the shipped build (scripts/build.mjs), so a rebuild of dist/ meanwhile cannot break the run.
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), path.join(tmp, 'split')], { stdio: 'inherit' });
    const bin = path.join(tmp, 'split', 'nodegrid.cjs');
    const inlinedBin = await buildInlined(root, path.join(tmp, 'inlined'));
    const standIn = await loadStandIn(root, path.join(tmp, 'stand-in'));
    await measureDisabled(bin, inlinedBin, tmp);
    await measureEndToEnd(bin, standIn, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The same entry and options as scripts/build.mjs, but every dynamic import inlined. */
async function buildInlined(root, outdir) {
  await build({
    entryPoints: { nodegrid: path.join(root, 'src/nodegrid.ts') },
    outdir,
    bundle: true,
    splitting: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'error',
    define: { __NODEGRID_VERSION__: '"bench"', __NODEGRID_COMMIT__: '"bench"' },
    banner: { js: "import { createRequire as __ngCreateRequire } from 'node:module'; const require = __ngCreateRequire(import.meta.url);" },
  });
  return path.join(outdir, 'nodegrid.mjs');
}

async function loadStandIn(root, outdir) {
  await build({ entryPoints: [path.join(root, 'test/helpers/ec2-server.ts')], outdir, bundle: true, format: 'esm', platform: 'node', outExtension: { '.js': '.mjs' }, logLevel: 'error' });
  return import(path.join(outdir, 'ec2-server.mjs'));
}

function nodeEnv(dir, extra = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(dir, 'nodeinfo'), NODEGRID_HOME: path.join(dir, 'home'), NODEGRID_CONFIG: path.join(dir, 'config.json'), ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') && !(key in extra)) delete env[key];
  return env;
}

async function measureDisabled(bin, inlinedBin, tmp) {
  const variants = [
    ['state set, ec2 off (SDK in its own chunk)', bin],
    ['state set, ec2 off (SDK inlined in entry)', inlinedBin],
  ].map(([label, file], i) => {
    const env = nodeEnv(path.join(tmp, `off-${i}`));
    fs.writeFileSync(env.NODEGRID_CONFIG, '{"ec2":{"enabled":false}}\n');
    return { label, file, env, samples: [] };
  });
  for (const v of variants) {
    await timeProcess(process.execPath, [v.file, 'init', '--id', 'i-be4c0002', '--deployment', 'fed1', '--nodepart', 'db1'], { env: v.env });
    await timeProcess(process.execPath, [v.file, 'state', 'set', 'setup'], { env: v.env });
  }
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) v.samples.push(await timeProcess(process.execPath, [v.file, 'state', 'set', 'setup', '--force'], { env: v.env }));
  }
  const rows = [['what', 'median', 'p95', 'bundle entry']];
  for (const v of variants) {
    const ms = v.samples.map((r) => r.ms);
    rows.push([v.label, fmtMs(median(ms)), fmtMs(percentile(ms, 95)), `${(fs.statSync(v.file).size / 1024).toFixed(0)} KB`]);
  }
  console.log(table(rows));
  const [lazy, inlined] = variants.map((v) => median(v.samples.map((r) => r.ms)));
  console.log(`lazy loading saves ${fmtMs(inlined - lazy)} per state set (${((inlined / lazy - 1) * 100).toFixed(0)} % slower with the SDK inlined; ${RUNS} runs each, interleaved)`);
}

async function measureEndToEnd(bin, { startEc2StandIn, awsEnvFor }, tmp) {
  const server = await startEc2StandIn();
  try {
    const id = 'i-0be4c0000000000e2';
    server.addInstance({ id });
    const env = nodeEnv(path.join(tmp, 'on'), awsEnvFor(server));
    fs.writeFileSync(env.NODEGRID_CONFIG, '{"ec2":{"enabled":true}}\n');
    await timeProcess(process.execPath, [bin, 'init', '--id', id, '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1'], { env });
    for (const state of ['setup', 'initdone', 'running']) await timeProcess(process.execPath, [bin, 'state', 'set', state], { env });
    const toTags = [];
    const wholeProcess = [];
    for (let i = 0; i < E2E_RUNS; i++) {
      const state = i % 2 === 0 ? 'draining' : 'running';
      const before = server.calls.length;
      const start = Date.now();
      const result = await timeProcess(process.execPath, [bin, 'state', 'set', state], { env, gnuTime: false });
      const call = server.calls.slice(before).find((c) => c.action === 'CreateTags' && c.status === 200);
      if (!call || server.tagsOf(id)['add:state'] !== state) throw new Error(`tags not written for ${state}`);
      toTags.push(call.at - start);
      wholeProcess.push(result.ms);
    }
    console.log(table([
      ['ec2 enabled, against the local stand-in', 'median', 'p95'],
      ['start of `state set` -> tags written', fmtMs(median(toTags)), fmtMs(percentile(toTags, 95))],
      ['whole `state set` process', fmtMs(median(wholeProcess)), fmtMs(percentile(wholeProcess, 95))],
    ]));
  } finally {
    await server.close();
  }
}
