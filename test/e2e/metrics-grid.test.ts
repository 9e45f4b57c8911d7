import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTHS } from '../../src/core/health';
import { cleanEnv, nodegridBin, runCli } from '../helpers/cli';
import { generatePresence, presenceDocument, tssOf, updateDocument, writeBeat, type GeneratedHealth } from '../helpers/grid-fixture.mjs';
import { seriesValues } from '../helpers/metrics-text';
import { checkMetrics } from '../helpers/promtool';
import { request, startServe, type ServeProcess } from '../helpers/serve';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

const N = new Date('2015-10-08T21:13:30Z');
const TOKEN = 'metrics-token-0123456789abcdef';
let root: string;
let presence: string;
let env: Record<string, string>;
let serve: ServeProcess;
/** "deployment|nodepart|health" -> count, from the fixture's own bookkeeping (not from nodegrid). */
const expected = new Map<string, number>();

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-metrics-grid-'));
  presence = path.join(root, 'presence');
  const mix = { alive: 7, stale: 3, zombie: 2, wedged: 4, retired: 5 };
  const { ids } = generatePresence(presence, { now: N, mix, deployments: ['fed1', 'fed2'], nodeparts: ['db1', 'app1', 'lb1'], hostile: true });
  for (const [health, list] of Object.entries(ids) as Array<[GeneratedHealth, string[]]>) {
    for (const id of list) {
      const { value } = JSON.parse(fs.readFileSync(path.join(presence, 'it/presence/all', `${id}.json`), 'utf8')) as { value: Record<string, string> };
      bump(value.deployment!, value.nodepart!, health);
    }
  }
  // Presence is written by every node and read by everyone: hostile names must not break the exposition.
  const hostile = { 'instance-id': 'i-hostile-1', deployment: 'fed"1\\\nnodegrid_grid_nodes{health="alive"} 99', nodepart: 'db1"} 5\n', stacktype: 'lad1', state: 'running', statetss: tssOf(new Date(N.getTime() - 3600_000)) };
  fs.writeFileSync(path.join(presence, 'it/presence/all/i-hostile-1.json'), presenceDocument(hostile));
  writeBeat(presence, 'i-hostile-1', N);
  bump('', '', 'alive'); // invalid names are ignored by the reader: the node counts with empty labels
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  env = { NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') };
  serve = await startServe(['--presence', presence, '--now', N.toISOString()], env);
});

afterAll(async () => {
  await serve?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

function bump(deployment: string, nodepart: string, health: string): void {
  const key = `${deployment}|${nodepart}|${health}`;
  expected.set(key, (expected.get(key) ?? 0) + 1);
}

/** Every nodegrid_grid_nodes series as "deployment|nodepart|health" -> value. */
function gridCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [series, value] of seriesValues(text)) {
    const m = /^nodegrid_grid_nodes\{deployment="(.*)",nodepart="(.*)",health="(\w+)"\}$/.exec(series);
    if (m) counts.set(`${m[1]}|${m[2]}|${m[3]}`, value);
  }
  return counts;
}

function expectExactCounts(text: string): void {
  const counts = gridCounts(text);
  const groups = new Set([...expected.keys()].map((key) => key.split('|').slice(0, 2).join('|')));
  expect(counts.size).toBe(groups.size * HEALTHS.length);
  for (const [key, value] of counts) expect(value, key).toBe(expected.get(key) ?? 0);
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(22);
}

describe.runIf(withPrometheus)('/metrics of nodegrid serve', () => {
  it('gives exact node counts per deployment, nodepart and health, in valid exposition format', async () => {
    const before = Date.now() / 1000;
    const r = await request(serve.port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(checkMetrics(r.body)).toEqual({ code: 0, output: '' });
    expectExactCounts(r.body);
    // The hostile document's text stayed inside (or out of) its labels: no line of its own.
    expect(r.body.split('\n').filter((line) => line.startsWith('nodegrid_grid_nodes{health='))).toEqual([]);
    const refreshed = seriesValues(r.body).get('nodegrid_presence_last_refresh_timestamp_seconds')!;
    // The wall-clock time of the last read, not the frozen --now.
    expect(refreshed).toBeGreaterThan(before - 120);
    expect(refreshed).toBeLessThanOrEqual(Date.now() / 1000);
    const head = await request(serve.port, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('sits behind the token like every other route', async () => {
    const guarded = await startServe(['--presence', presence, '--now', N.toISOString()], { ...env, NODEGRID_SERVE_TOKEN: TOKEN });
    try {
      const refused = await request(guarded.port, '/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain('nodegrid_grid_nodes');
      const allowed = await request(guarded.port, '/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(allowed.status).toBe(200);
      expectExactCounts(allowed.body);
    } finally {
      await guarded.stop();
    }
  });
});

describe.runIf(withPrometheus)('nodegrid monitor --metrics-port', () => {
  it('serves the same counts from its last pass on loopback, and follows the next pass', async () => {
    const monitorPresence = path.join(root, 'monitor-presence');
    fs.cpSync(presence, monitorPresence, { recursive: true });
    const child = spawn(process.execPath, [nodegridBin(), 'monitor', '--presence', monitorPresence, '--now', N.toISOString(), '--interval', '1', '--metrics-port', '0'], {
      env: { ...cleanEnv(), ...env, NODEGRID_HOME: path.join(root, 'monitor-home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await metricsPort(child);
      const first = await poll(port, (body) => body.includes('nodegrid_grid_nodes'));
      expect(checkMetrics(first)).toEqual({ code: 0, output: '' });
      expectExactCounts(first);
      expect(seriesValues(first).get('nodegrid_presence_last_refresh_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);

      // One db1 node of fed1 wedges; the next pass shows it.
      const wedgedBefore = gridCounts(first).get('fed1|db1|wedged')!;
      updateDocument(monitorPresence, 'i-alive-00000', { state: 'wedged' });
      const next = await poll(port, (body) => gridCounts(body).get('fed1|db1|wedged') === wedgedBefore + 1);
      expect(gridCounts(next).get('fed1|db1|alive')).toBe(gridCounts(first).get('fed1|db1|alive')! - 1);

      expect((await request(port, '/metrics', { headers: { Host: 'evil.example:80' } })).status).toBe(403);
      expect((await request(port, '/api/nodes')).status).toBe(404);
      expect((await request(port, '/metrics', { method: 'POST' })).status).toBe(405);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode).toBe(0);
  });

  it('refuses --metrics-port with --once, and a bad port', async () => {
    const once = await runCli(['monitor', '--once', '--presence', presence, '--metrics-port', '9731'], { env });
    expect(once.code).toBe(2);
    expect(once.stderr).toContain('--metrics-port needs a monitor that keeps running');
    const bad = await runCli(['monitor', '--presence', presence, '--metrics-port', 'http'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a port number');
  });
});

function metricsPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no metrics URL printed: ${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`monitor exited ${code}: ${stderr}`)));
  });
}

async function poll(port: number, done: (body: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await request(port, '/metrics');
    if (r.status === 200 && done(r.body)) return r.body;
    if (Date.now() > deadline) throw new Error(`metrics never matched; last answer ${r.status}:\n${r.body}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
