import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatExposition } from '../../src/metrics/exposition';
import { gridMetricFamilies } from '../../src/metrics/grid-metrics';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { generatePresence } from '../helpers/grid-fixture.mjs';
import { promtool } from '../helpers/promtool';
import { request, startServe, type ServeProcess } from '../helpers/serve';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

/**
 * The examples/prometheus files against the real thing: promtool checks and
 * unit-tests the rules, and a real Prometheus scrapes a real node's textfile
 * and `nodegrid serve`, parses them, and evaluates the alert rules on them.
 */
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/prometheus');
const N = new Date('2015-10-08T21:13:30Z');
const HOSTILE = ['fed"1', 'back\\slash\\', 'new\nline', '"} 1\nnodegrid_grid_nodes{health="alive"} 99', 'ünïcødé ✓'];

let root: string;
let node: TestNode;
let serve: ServeProcess;
let files: http.Server;
let prometheus: ChildProcess | undefined;
let promUrl: string;
/** What nodegrid really wrote: the node's textfile and serve's /metrics. */
let produced: string;

beforeAll(async () => {
  if (!withPrometheus) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-prometheus-'));
  const presence = path.join(root, 'presence');
  generatePresence(presence, { now: N, mix: { alive: 3, stale: 2, zombie: 1, wedged: 2 } });
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  serve = await startServe(['--presence', presence, '--now', N.toISOString()], { NODEGRID_HOME: path.join(root, 'serve-home'), NODEGRID_CONFIG: path.join(root, 'config.json') });

  // A node whose sink is down (its outbox fills) and whose state is wedged.
  node = makeTestNode('nodegrid-prometheus-node-');
  const textfile = path.join(node.root, 'nodegrid.prom');
  node.writeConfig({ metrics: { textfile }, sinks: { exec: [{ name: 'hook', command: 'exit 1' }] } });
  fs.mkdirSync(path.join(node.root, 'gitrepo'));
  for (const args of [['init', '--id', 'i-0000face', '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1'], ['state', 'set', 'setup', '--no-wait'], ['tick', '--now', '--repo-dir', path.join(node.root, 'gitrepo')], ['state', 'set', 'wedged', '--wait', '1']]) {
    const r = await node.run(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  produced = fs.readFileSync(textfile, 'utf8') + (await request(serve.port, '/metrics')).body;

  // Stands in for node_exporter's textfile collector, plus the writer fed hostile grid names directly.
  const hostile = formatExposition(gridMetricFamilies({ nodes: HOSTILE.map((name, i) => ({ deployment: name, nodepart: `p${i}`, health: 'alive' as const })), refreshedAt: N }));
  files = http.createServer((req, res) => {
    const body = req.url === '/node' ? fs.readFileSync(textfile, 'utf8') : req.url === '/hostile' ? hostile : undefined;
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  const filesPort = (files.address() as net.AddressInfo).port;

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: [${JSON.stringify(path.join(EXAMPLES, 'nodegrid.rules.yml'))}]`,
    'scrape_configs:',
    `  - { job_name: node, metrics_path: /node, static_configs: [{ targets: ['127.0.0.1:${filesPort}'] }] }`,
    `  - { job_name: hostile, metrics_path: /hostile, static_configs: [{ targets: ['127.0.0.1:${filesPort}'] }] }`,
    `  - { job_name: nodegrid-serve, static_configs: [{ targets: ['127.0.0.1:${serve.port}'] }] }`,
  ].join('\n');
  fs.writeFileSync(path.join(root, 'prometheus.yml'), `${config}\n`);
  prometheus = spawn('prometheus', [`--config.file=${path.join(root, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await until(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true, 'Prometheus never became ready');
});

afterAll(async () => {
  if (!withPrometheus) return;
  if (prometheus?.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => (files ? files.close(resolve) : resolve(undefined)));
  await serve?.stop();
  if (node) fs.rmSync(node.root, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe.runIf(withPrometheus)('examples/prometheus', () => {
  it('alert rules pass promtool check rules and their unit tests, and the tests fail when a rule is broken', () => {
    expect(promtool(['check', 'rules', path.join(EXAMPLES, 'nodegrid.rules.yml')]).code).toBe(0);
    const run = promtool(['test', 'rules', path.join(EXAMPLES, 'nodegrid.rules.test.yml')]);
    expect(run.output).toContain('SUCCESS');
    expect(run.code).toBe(0);

    const broken = path.join(root, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'nodegrid.rules.yml'), fs.readFileSync(path.join(EXAMPLES, 'nodegrid.rules.yml'), 'utf8').replace('nodegrid_grid_nodes{health="wedged"} > 0', 'nodegrid_grid_nodes{health="wedged"} > 1'));
    fs.copyFileSync(path.join(EXAMPLES, 'nodegrid.rules.test.yml'), path.join(broken, 'nodegrid.rules.test.yml'));
    expect(promtool(['test', 'rules', path.join(broken, 'nodegrid.rules.test.yml')]).code).not.toBe(0);
  });

  it('the scrape config passes promtool check config (with its token file in place)', () => {
    const dir = path.join(root, 'config-check');
    fs.mkdirSync(dir);
    const token = path.join(dir, 'token');
    fs.writeFileSync(token, 'test-token-0123456789abcdef\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), fs.readFileSync(path.join(EXAMPLES, 'prometheus.yml'), 'utf8').replace('/etc/prometheus/nodegrid-serve.token', token));
    fs.copyFileSync(path.join(EXAMPLES, 'nodegrid.rules.yml'), path.join(dir, 'nodegrid.rules.yml'));
    const r = promtool(['check', 'config', path.join(dir, 'prometheus.yml')]);
    expect(r.code, r.output).toBe(0);
  });

  it('every Grafana query is valid PromQL over metrics nodegrid writes', () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    // Grafana's variables become what Grafana would put there; promtool then parses each query as a recording rule.
    const rules = exprs.map((expr, i) => `      - record: nodegrid:panel_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m').replaceAll('$deployment', '.*'))}`);
    const file = path.join(root, 'dashboard-rules.yml');
    fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const r = promtool(['check', 'rules', file]);
    expect(r.code, r.output).toBe(0);
    for (const name of exprs.flatMap((expr) => expr.match(/nodegrid_[a-z_]+/g) ?? [])) expect(producedNames(), name).toContain(name);
  });

  it('the rules and their tests use only metric names and label sets nodegrid really writes', () => {
    const rules = fs.readFileSync(path.join(EXAMPLES, 'nodegrid.rules.yml'), 'utf8');
    for (const name of rules.match(/nodegrid_[a-z_]+/g) ?? []) expect(producedNames(), name).toContain(name);
    const tests = fs.readFileSync(path.join(EXAMPLES, 'nodegrid.rules.test.yml'), 'utf8');
    const inputs = [...tests.matchAll(/series: '(nodegrid_[a-z_]+)\{([^}]*)\}'/g)];
    expect(inputs.length).toBeGreaterThanOrEqual(8);
    for (const [, name, labels] of inputs) {
      // instance and job are what Prometheus adds when it scrapes.
      const used = labelNames(labels!).filter((label) => label !== 'instance' && label !== 'job');
      expect(producedLabelSets(name!), `${name}{${used.join(',')}}`).toContainEqual(used);
    }
  });
});

describe.runIf(withPrometheus)('a real Prometheus scraping nodegrid', () => {
  it('reads back exact grid counts, the node textfile, and hostile label values unchanged', async () => {
    const grid = await until(async () => {
      const result = await query('nodegrid_grid_nodes{job="nodegrid-serve"}');
      return result.length > 0 ? result : undefined;
    }, 'no grid series scraped');
    const counts = Object.fromEntries(grid.filter((s) => Number(s.value[1]) > 0).map((s) => [`${s.metric.deployment}/${s.metric.nodepart}/${s.metric.health}`, Number(s.value[1])]));
    // Fixture: nodes 0-7 alternate db1, app1 in the order alive x3, stale x2, zombie, wedged x2.
    expect(counts).toEqual({ 'fed1/db1/alive': 2, 'fed1/app1/alive': 1, 'fed1/app1/stale': 1, 'fed1/db1/stale': 1, 'fed1/app1/zombie': 1, 'fed1/db1/wedged': 1, 'fed1/app1/wedged': 1 });

    const info = await until(async () => (await query('nodegrid_node_info')).at(0), 'no textfile scraped');
    expect(info.metric).toMatchObject({ id: 'i-0000face', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', job: 'node' });
    expect(Number((await query('nodegrid_outbox_pending{sink="exec:hook"}'))[0]!.value[1])).toBe(2);

    const hostile = await until(async () => {
      const result = await query('nodegrid_grid_nodes{job="hostile",health="alive"}');
      return result.length === HOSTILE.length ? result : undefined;
    }, 'hostile series not scraped');
    expect(hostile.map((s) => s.metric.deployment).sort()).toEqual([...HOSTILE].sort());
    expect(hostile.every((s) => s.value[1] === '1')).toBe(true);
  });

  it('evaluates the example alert rules on what nodegrid exports', async () => {
    const alerts = await until(async () => {
      const response = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      const byName = new Map(response.data.alerts.map((a) => [a.labels.alertname!, a]));
      return byName.get('NodegridNodesWedged')?.state === 'firing' && byName.get('NodegridNodeWedged')?.state === 'firing' && byName.has('NodegridNodesStale') ? response.data.alerts : undefined;
    }, 'alerts never fired');
    const state = (name: string, labels: Record<string, string> = {}): string | undefined =>
      alerts.find((a) => a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v))?.state;
    expect(state('NodegridNodesWedged', { deployment: 'fed1', nodepart: 'db1' })).toBe('firing');
    expect(state('NodegridNodeWedged', { job: 'node', state: 'wedged' })).toBe('firing');
    // These wait (for: 5m / 30m) before firing; pending shows they match.
    expect(state('NodegridNodesStale')).toBe('pending');
    expect(state('NodegridZombieNodes')).toBe('pending');
    expect(state('NodegridMonitorSilent')).toBe('pending'); // no monitor is scraped here
    expect(state('NodegridOutboxStuck')).toBeUndefined(); // its events are seconds old
  });
});

function producedNames(): string[] {
  return [...new Set(produced.split('\n').filter((l) => l.startsWith('nodegrid_')).map((l) => /^[a-z_]+/.exec(l)![0]))];
}

function producedLabelSets(name: string): string[][] {
  return produced
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => labelNames(/\{(.*)\}/.exec(line)?.[1] ?? ''));
}

function labelNames(labels: string): string[] {
  return [...labels.matchAll(/([a-z_]+)="/g)].map((m) => m[1]!).sort();
}

async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return ((await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
}

async function until<T>(probe: () => Promise<T | undefined | false>, message: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
