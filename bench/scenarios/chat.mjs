// Chat: how long from `nodegrid state set` (the whole process, with --wait) to
// the loopback receiver having the message, and how many posts 20 chatty
// events queued during an outage become when the receiver returns.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fmtMs, median, percentile, table, timeProcess } from '../lib/measure.mjs';

export const name = 'chat';
export const title = 'state set -> chat receiver latency on loopback; posts after 20 queued chatty events';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);

function startReceiver(port = 0) {
  const arrivals = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(200);
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, arrivals, port: server.address().port })));
}

function runCli(bin, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nodegrid ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

function makeNode(root, label, url) {
  const dir = path.join(root, label);
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(dir, 'nodeinfo'), NODEGRID_HOME: path.join(dir, 'home'), NODEGRID_CONFIG: path.join(dir, 'config.json') };
  // Pacing (1 post/s per destination) is switched off for the latency runs: it applies to bursts, not to one change.
  const config = { chat: { destinations: [{ name: 'ops', type: 'slack', url, minIntervalSeconds: label === 'latency' ? 0 : 1 }] } };
  fs.writeFileSync(env.NODEGRID_CONFIG, JSON.stringify(config));
  return env;
}

export async function run({ bin }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-chat-'));
  const servers = [];
  try {
    const receiver = await startReceiver();
    servers.push(receiver.server);
    const url = `http://127.0.0.1:${receiver.port}/services/TEXAMPLE/BEXAMPLE/benchEXAMPLE`;
    const env = makeNode(root, 'latency', url);
    await runCli(bin, ['init', '--id', 'i-bench001', '--deployment', 'fed1', '--nodepart', 'app1'], env);
    await runCli(bin, ['state', 'set', 'setup'], env);
    await runCli(bin, ['state', 'set', 'initdone'], env);
    await runCli(bin, ['state', 'set', 'running'], env);

    const latencies = [];
    const totals = [];
    const nodeAlone = [];
    for (let i = 0; i < RUNS; i++) {
      const before = receiver.arrivals.length;
      const started = performance.now();
      await runCli(bin, ['state', 'set', i % 2 === 0 ? 'draining' : 'running', '--wait', '10'], env);
      const ended = performance.now();
      if (receiver.arrivals.length !== before + 1) throw new Error(`expected one post per state set, got ${receiver.arrivals.length - before}`);
      latencies.push(receiver.arrivals[before] - started);
      totals.push(ended - started);
      nodeAlone.push((await timeProcess(process.execPath, ['-e', ''], { gnuTime: false })).ms);
    }
    const p50 = median(latencies);
    console.log(
      table([
        ['what', 'median', 'p95'],
        ['state set -> receiver has the message', fmtMs(p50), fmtMs(percentile(latencies, 95))],
        ['state set, whole process', fmtMs(median(totals)), fmtMs(percentile(totals, 95))],
        ["node -e '' (baseline)", fmtMs(median(nodeAlone)), fmtMs(percentile(nodeAlone, 95))],
      ]),
    );

    // 20 chatty events while the receiver is down, then one flush when it is back.
    const outage = await startReceiver();
    const outagePort = outage.port;
    await new Promise((resolve) => outage.server.close(resolve));
    const burstEnv = makeNode(root, 'burst', `http://127.0.0.1:${outagePort}/services/TEXAMPLE/BEXAMPLE/burstEXAMPLE`);
    await runCli(bin, ['init', '--id', 'i-bench002', '--deployment', 'fed1', '--nodepart', 'app1'], burstEnv);
    const states = ['setup', 'initdone', 'running'];
    for (let i = 0; i < 17; i++) states.push(i % 2 === 0 ? 'draining' : 'running');
    for (const state of states) await runCli(bin, ['state', 'set', state, '--no-wait'], burstEnv);
    const back = await startReceiver(outagePort);
    servers.push(back.server);
    await runCli(bin, ['outbox', 'flush'], burstEnv);
    const posts = back.arrivals.length;

    console.log(`posts after ${states.length} queued chatty events: ${posts}`);
    console.log(`targets: p50 <= 300 ms: ${p50 <= 300 ? 'met' : 'NOT met'} (${fmtMs(p50)}); one digest: ${posts === 1 ? 'met' : 'NOT met'} (${posts} posts)`);
  } finally {
    // A listening server would keep the benchmark process alive after a failure.
    for (const server of servers) if (server.listening) server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
