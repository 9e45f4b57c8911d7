import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { freePort } from '../helpers/git-server';
import { generatePresence } from '../helpers/grid-fixture.mjs';

const now = new Date('2015-10-08T21:13:30Z');
const NOW = ['--now', now.toISOString()];
let node: TestNode;
let presence: string;
let server: http.Server;
let httpPort: number;

beforeAll(async () => {
  node = makeTestNode('nodegrid-grid-');
  presence = path.join(node.root, 'presence');
  generatePresence(presence, {
    now,
    mix: { alive: 6, stale: 2, zombie: 1, wedged: 1, retired: 1 },
    nodeparts: ['db1', 'app1'],
    hostile: true,
    // Every node but the first db1 has an address; the probes all connect to 127.0.0.1.
    fields: (id): Record<string, string> => (id === 'i-alive-00000' ? {} : { privateIp: '127.0.0.1' }),
  });
  server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpPort = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(node.root, { recursive: true, force: true });
});

describe('nodegrid nodes', () => {
  it('lists every readable node with its health as JSON, warns about each hostile file and still exits 0', async () => {
    const r = await node.run(['nodes', '--presence', presence, '--json', ...NOW]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(11);
    expect(Object.keys(list[0]!)).toEqual(expect.arrayContaining(['id', 'deployment', 'nodepart', 'stacktype', 'state', 'statetss', 'heartbeat', 'health']));
    const counts: Record<string, number> = {};
    for (const n of list) counts[n.health as string] = (counts[n.health as string] ?? 0) + 1;
    expect(counts).toEqual({ alive: 6, stale: 2, zombie: 1, wedged: 1, retired: 1 });
    expect(r.stderr.match(/^warning: .*\(skipped\)$/gm)).toHaveLength(5);
    expect(r.stderr).toContain('i-mismatch.json: says it is "i-alive-00000"');
    expect(list.find((n) => n.id === 'i-alive-00000')?.state).toBe('running');
  });

  it("judges zombies by the lifecycle's settingUp flags: a project whose setup may take hours says so in config", async () => {
    const patient = makeTestNode('nodegrid-grid-patient-');
    try {
      patient.writeConfig({ lifecycle: { states: { setup: { settingUp: false }, running: { settingUp: true } } }, grid: { zombieAfterMinutes: 500 } });
      const r = await patient.run(['nodes', '--presence', presence, '--json', ...NOW]);
      expect(r.code, r.stderr).toBe(0);
      const health = Object.fromEntries((JSON.parse(r.stdout) as Array<{ id: string; health: string }>).map((n) => [n.id, n.health]));
      // The node 60 min in setup is alive here; running nodes are within the 500 min a setting-up state may take.
      expect(health['i-zombie-00000']).toBe('alive');
      expect(health['i-alive-00000']).toBe('alive');
      patient.writeConfig({ lifecycle: { states: { running: { settingUp: true } } } });
      const strict = JSON.parse((await patient.run(['nodes', '--presence', presence, '--json', ...NOW])).stdout) as Array<{ id: string; health: string }>;
      expect(strict.find((n) => n.id === 'i-alive-00000')?.health).toBe('zombie');
      expect(strict.find((n) => n.id === 'i-zombie-00000')?.health).toBe('zombie');
    } finally {
      fs.rmSync(patient.root, { recursive: true, force: true });
    }
  });

  it('prints a table grouped by deployment and nodepart with a summary line, without colour off a TTY', async () => {
    const r = await node.run(['nodes', '--presence', presence, ...NOW]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fed1: 6 alive, 2 stale, 1 zombie, 1 wedged, 1 retired$/m);
    expect(r.stdout).toMatch(/^ {2}db1 \(/m);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('filters by health and nodepart, and refuses an unknown health', async () => {
    const r = await node.run(['nodes', '--presence', presence, '--json', '--health', 'stale,zombie', ...NOW]);
    expect((JSON.parse(r.stdout) as Array<{ health: string }>).map((n) => n.health).sort()).toEqual(['stale', 'stale', 'zombie']);
    const bad = await node.run(['nodes', '--presence', presence, '--health', 'dead', ...NOW]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--health takes retired, wedged, zombie, stuck, stale, new, alive');
  });

  it('refuses a state nobody has (not in the lifecycle, no node in it), naming the known ones, in nodes and find alike', async () => {
    for (const command of ['nodes', 'find']) {
      const typo = await node.run([command, '--presence', presence, '--state', 'running,initdon', ...NOW]);
      expect(typo.code, typo.stderr).toBe(2);
      expect(typo.stderr).toContain('--state names unknown state "initdon"; known states are presetup, setup, initdone');
      expect(typo.stdout).toBe('');
    }
    const r = await node.run(['nodes', '--presence', presence, '--json', '--state', 'setup', ...NOW]);
    expect(r.code).toBe(0);
    const setup = JSON.parse(r.stdout) as Array<{ state: string }>;
    expect(setup.length).toBeGreaterThan(0);
    expect(setup.every((n) => n.state === 'setup')).toBe(true);
  });

  it('exits 3 from find --address when partners match but none publishes an address, so a waiting boot script notices', async () => {
    const bare = path.join(node.root, 'no-addresses');
    generatePresence(bare, { now, mix: { alive: 2 }, nodeparts: ['db1'] });
    const r = await node.run(['find', '--presence', bare, '--nodepart', 'db1', '--address', ...NOW]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('2 partners found for db1');
    expect(r.stderr).toContain('but none publishes privateIp or hostname');
  });

  it('answers history of a node presence has never seen with exit 6, its own code', async () => {
    const r = await node.run(['history', 'i-nope', '--presence', presence]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('no presence document for i-nope');
  });

  it('takes --json on find as --format json, and refuses it beside another format', async () => {
    const viaFormat = await node.run(['find', '--presence', presence, '--nodepart', 'db1', '--format', 'json', ...NOW]);
    const viaJson = await node.run(['find', '--presence', presence, '--nodepart', 'db1', '--json', ...NOW]);
    expect(viaJson.code, viaJson.stderr).toBe(0);
    expect(JSON.parse(viaJson.stdout)).toEqual(JSON.parse(viaFormat.stdout));
    const both = await node.run(['find', '--presence', presence, '--json', '--format', 'liveserver', ...NOW]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--json is --format json');
  });

  it('evaluates as of --now: the same presence ten minutes later is all stale', async () => {
    const later = new Date(now.getTime() + 10 * 60_000).toISOString();
    const r = await node.run(['nodes', '--presence', presence, '--json', '--now', later, '--health', 'alive']);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('nodegrid find', () => {
  it('prints the plausibly live partners one per line and exits 0', async () => {
    const r = await node.run(['find', '--presence', presence, '--nodepart', 'db1', ...NOW]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['i-alive-00000', 'i-alive-00002', 'i-alive-00004']);
  });

  it('keeps only nodes that answer a TCP connect, and exits 3 when nothing listens', async () => {
    const listener = http.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      const live = await node.run(['find', '--presence', presence, '--nodepart', 'db1', '--probe', `tcp:${port}`, '--address', ...NOW]);
      expect(live.code, live.stderr).toBe(0);
      expect(live.stdout.trim().split('\n')).toEqual(['127.0.0.1', '127.0.0.1']);
      expect(live.stderr).toContain('i-alive-00000: no privateIp or hostname');
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
    const dead = await node.run(['find', '--presence', presence, '--nodepart', 'db1', '--probe', `tcp:${await freePort()}`, ...NOW]);
    expect(dead.code).toBe(3);
    expect(dead.stdout).toBe('');
    expect(dead.stderr).toContain('connection refused');
  });

  it('keeps only nodes whose HTTP check answers 2xx within the timeout', async () => {
    const ok = await node.run(['find', '--presence', presence, '--nodepart', 'app1', '--probe', `http:${httpPort}/healthz`, '--format', 'json', ...NOW]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Array<{ id: string }>).map((n) => n.id)).toEqual(['i-alive-00001', 'i-alive-00003', 'i-alive-00005']);
    const failing = await node.run(['find', '--presence', presence, '--nodepart', 'app1', '--probe', `http:${httpPort}/broken`, ...NOW]);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain('HTTP 503');
  });

  it('prints the original liveserver document', async () => {
    const r = await node.run(['find', '--presence', presence, '--deployment', 'fed1', '--format', 'liveserver', ...NOW]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['source', 'tss', 'tsm', 'datepath', 'nodes']);
    expect(doc).toMatchObject({ tss: '20151008-211330', tsm: '201510082113', datepath: '2015/10/08/21/201510082113' });
    expect((doc.nodes as Array<Record<string, string>>).map((n) => n['instance-id'])).toHaveLength(6);
  });

  it('exits 3 when no node matches, so a boot script can wait', async () => {
    const r = await node.run(['find', '--presence', presence, '--deployment', 'fed9', ...NOW]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no partners found for fed9');
  });
});
