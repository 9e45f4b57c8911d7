// Scale: N simulated nodes beating once a minute (jitter on) against one git
// daemon remote and against a local Ceph RADOS Gateway, for N = 100, 500,
// 2,000, 5,000. Each node has its own nodeinfo, home and config; the writer is
// nodegrid's own CLI code run in-process by a few worker processes (see
// bench/lib/scale-worker.ts). Minutes are real minutes: "within the minute"
// means the beat was on the remote less than 60 s after it was due.
//
//   npm run bench -- scale
//   SCALE_NODES=100,500 SCALE_MINUTES=2 SCALE_BACKENDS=git npm run bench -- scale
import { execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { cephAvailable, startCephRgw } from '../../test/helpers/ceph-rgw.mjs';
import { median, percentile, table } from '../lib/measure.mjs';
import { freePort, waitForPort } from '../../test/helpers/ports.mjs';

export const name = 'scale';
export const title = 'thousands of nodes beating every minute: one git remote vs S3 (Ceph RGW), N = 100 … 5,000';
export const onlyWhenNamed = true;

const SIZES = (process.env.SCALE_NODES ?? '100,500,2000,5000').split(',').map(Number);
const MINUTES = Number(process.env.SCALE_MINUTES ?? 2);
const BACKENDS = (process.env.SCALE_BACKENDS ?? 'git,s3').split(',');
const WORKERS = Number(process.env.SCALE_WORKERS ?? 3);
const JITTER_SECONDS = 50;
/** Git runs stop growing N once fewer than this share of beats land within the minute. */
const GIVE_UP_BELOW = 0.5;

export async function run({ root, bin }) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-scale-'));
  const worker = path.join(work, 'worker.mjs');
  await build({ entryPoints: [path.join(root, 'bench/lib/scale-worker.ts')], outfile: worker, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
  const rows = [['backend', 'nodes', 'beats', 'within 60 s', 'p50 delay', 'p99 delay', 'never landed', 'push retries', 'client CPU/beat', 'server CPU/beat', 'growth/day']];
  try {
    if (BACKENDS.includes('git')) {
      for (const n of SIZES) {
        const result = await gitRun(work, worker, n, bin);
        rows.push(row('git', n, result));
        console.log(table([rows[0], rows.at(-1)]));
        if (result.withinRatio < GIVE_UP_BELOW) {
          console.log(`git: ${(result.withinRatio * 100).toFixed(1)} % within the minute at ${n} nodes: larger grids not run on git`);
          break;
        }
      }
    }
    if (BACKENDS.includes('s3')) {
      if (!cephAvailable()) console.log('s3: Ceph (ceph-mon ceph-osd radosgw ceph-common) is not installed; skipped');
      else {
        const rgw = await startCephRgw({ parent: work });
        try {
          for (const n of SIZES) {
            const result = await s3Run(work, worker, rgw, n, bin);
            rows.push(row('s3 (Ceph RGW)', n, result));
            console.log(table([rows[0], rows.at(-1)]));
          }
        } finally {
          await rgw.stop();
        }
      }
    }
    console.log(`\nAll runs (${MINUTES} measured minute${MINUTES === 1 ? '' : 's'} after one warm-up minute, ${WORKERS} worker processes, jitter over ${JITTER_SECONDS} s, 2 cores shared by writers and server):`);
    console.log(table(rows));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function row(backend, n, r) {
  const s = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-');
  return [backend, n, r.beats, `${(r.withinRatio * 100).toFixed(2)} %`, s(r.p50), s(r.p99), r.neverLanded, r.retries ?? '-', `${(r.clientCpu * 1000).toFixed(1)} ms`, `${(r.serverCpu * 1000).toFixed(1)} ms`, `${formatBytes(r.growthPerDay)}${r.growthPerDayCompacted === undefined ? '' : ` (${formatBytes(r.growthPerDayCompacted)} compacted)`}`];
}

async function gitRun(work, worker, n, bin) {
  const base = fs.mkdtempSync(path.join(work, `git-${n}-`));
  execFileSync('git', ['init', '--quiet', '--bare', path.join(base, 'grid.git')]);
  const port = await freePort();
  const daemon = spawn('git', ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, '--export-all', '--enable=receive-pack', `--base-path=${base}`, '--max-connections=0', base], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    const config = { presence: { remote: `git://127.0.0.1:${port}/grid.git`, heartbeat: { branch: 'beats' } }, outbox: { waitSeconds: 50 } };
    const result = await simulate(base, worker, n, config, 'presence:origin', {});
    const repo = path.join(base, 'grid.git');
    const received = dirBytes(repo);
    execFileSync('git', ['--git-dir', repo, 'gc', '--quiet'], { stdio: 'ignore' });
    const packed = dirBytes(repo);
    result.retries = countRetries(base);
    // Bytes per beat over the whole run (warm-up included), scaled to a day of this grid.
    const perBeat = packed / result.allBeats;
    result.growthPerDay = perBeat * n * 1440;
    // The same history after `presence compact` (all of it is one UTC day: one commit) and the server's gc.
    const operator = path.join(base, 'operator');
    fs.mkdirSync(operator);
    fs.writeFileSync(path.join(operator, 'config.json'), JSON.stringify(config));
    execFileSync(process.execPath, [bin, 'presence', 'compact', '--older-than', '1m', '--config', path.join(operator, 'config.json'), '--home', path.join(operator, 'home'), '--nodeinfo', path.join(operator, 'nodeinfo')], { stdio: 'ignore' });
    execFileSync('git', ['--git-dir', repo, 'gc', '--quiet', '--prune=now'], { stdio: 'ignore' });
    const compacted = dirBytes(repo);
    result.growthPerDayCompacted = (compacted / result.allBeats) * n * 1440;
    console.log(`git ${n}: repository ${formatBytes(received)} as received, ${formatBytes(packed)} after gc, ${formatBytes(compacted)} after presence compact and gc, for ${result.allBeats} beats`);
    return result;
  } finally {
    daemon.kill('SIGKILL');
    fs.rmSync(base, { recursive: true, force: true });
  }
}

async function s3Run(work, worker, rgw, n, bin) {
  const base = fs.mkdtempSync(path.join(work, `s3-${n}-`));
  const bucket = `scale-${n}-${Date.now()}`;
  const client = new S3Client({ endpoint: rgw.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: rgw.credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  try {
    const config = { presence: { backend: 's3', s3: { bucket, endpoint: rgw.endpoint } }, outbox: { waitSeconds: 50 } };
    const env = { AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
    const result = await simulate(base, worker, n, config, 'presence:s3', env);
    let bytes = 0;
    let objects = 0;
    let token;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'it/presence/flattime/', ContinuationToken: token }));
      for (const item of page.Contents ?? []) {
        bytes += item.Size ?? 0;
        objects++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    result.growthPerDay = (bytes / Math.max(1, objects)) * n * 1440;
    // A reader of that bucket: `nodes --json` over all n documents and the newest-first beat scan.
    const reader = path.join(base, 'reader');
    fs.mkdirSync(reader);
    fs.writeFileSync(path.join(reader, 'config.json'), JSON.stringify(config));
    const readerArgs = [bin, 'nodes', '--json', '--config', path.join(reader, 'config.json'), '--home', path.join(reader, 'home'), '--nodeinfo', path.join(reader, 'nodeinfo')];
    const times = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const listed = JSON.parse(execFileSync(process.execPath, readerArgs, { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 }).toString());
      times.push(Date.now() - started);
      if (listed.length !== n) throw new Error(`nodes --json listed ${listed.length} of ${n} nodes`);
    }
    // The first run reads every document; later ones only what changed (the reader's ETag cache under $NODEGRID_HOME/grid/s3).
    console.log(`  nodes --json on the bucket, ${n} nodes: ${times[0]} ms the first time, then ${times.slice(1).join(' and ')} ms`);
    return result;
  } finally {
    client.destroy();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** Sets up n nodes over the workers, runs 1 + MINUTES minutes from the next minute boundary, and summarises the measured minutes. */
async function simulate(base, worker, n, config, sink, env) {
  const workers = Array.from({ length: Math.min(WORKERS, n) }, () =>
    fork(worker, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', fs.openSync(path.join(base, 'workers.err'), 'a'), 'ipc'], execArgv: ['--max-old-space-size=2048'] }),
  );
  const ask = (child, message) =>
    new Promise((resolve, reject) => {
      child.once('message', (reply) => (reply.type === 'error' ? reject(new Error(reply.message)) : resolve(reply)));
      child.once('exit', (code) => reject(new Error(`scale worker exited ${code}; see ${base}/workers.err`)));
      child.send(message);
    });
  try {
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `i-${(0x10000000 + i).toString(16)}`, root: path.join(base, 'nodes', String(i)) }));
    const t0 = Date.now();
    await Promise.all(workers.map((child, w) => ask(child, { type: 'setup', nodes: nodes.filter((_, i) => i % workers.length === w), config, sink })));
    const setupMs = Date.now() - t0;
    const startAt = Math.ceil((Date.now() + 2000) / 60_000) * 60_000;
    const cpu0 = machineCpu();
    const replies = await Promise.all(workers.map((child) => ask(child, { type: 'run', startAt, minutes: 1 + MINUTES, jitterSeconds: JITTER_SECONDS })));
    const machine = machineCpu() - cpu0;
    const all = replies.flatMap((r) => r.beats);
    const measured = all.filter((b) => b.minute >= 1);
    const delays = measured.filter((b) => b.landed !== null).map((b) => b.landed - b.due);
    const within = delays.filter((d) => d < 60_000).length;
    const clientCpu = replies.reduce((sum, r) => sum + r.cpuSeconds, 0);
    console.log(`  ${sink} ${n} nodes: set up in ${(setupMs / 1000).toFixed(1)} s; ${all.length} beats in ${((Date.now() - startAt) / 1000).toFixed(0)} s`);
    return {
      beats: measured.length,
      allBeats: all.length,
      withinRatio: measured.length === 0 ? 0 : within / measured.length,
      p50: delays.length ? median(delays) : NaN,
      p99: delays.length ? percentile(delays, 99) : NaN,
      neverLanded: measured.filter((b) => b.landed === null).length,
      clientCpu: clientCpu / all.length,
      // Everything else the machine did meanwhile: the git daemon and its receive-packs, or the Ceph daemons.
      serverCpu: Math.max(0, machine - clientCpu) / all.length,
    };
  } finally {
    for (const child of workers) child.kill('SIGKILL');
  }
}

/** Pushes rejected because another node pushed first: "(…, attempt N, …)" in each node's log counts N - 1. */
function countRetries(base) {
  let retries = 0;
  const nodesDir = path.join(base, 'nodes');
  for (const node of fs.readdirSync(nodesDir)) {
    let log = '';
    try {
      log = fs.readFileSync(path.join(nodesDir, node, 'home', 'log', 'nodegrid.log'), 'utf8');
    } catch {
      continue;
    }
    for (const match of log.matchAll(/attempt (\d+),/g)) retries += Number(match[1]) - 1;
  }
  return retries;
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
function machineCpu() {
  const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

function dirBytes(dir) {
  return Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
}

function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} KB`;
}
