import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { hasTool } from '../helpers/tools';
import { cleanEnv, makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { generatePresence, presenceDocument, tssOf, writeBeat } from '../helpers/grid-fixture.mjs';
import { commitFiles, createBareRepo, gitSync, makeRepoRoot } from '../helpers/git-server';
import { readOrEmpty } from '../helpers/node-files';
import { presenceNode } from '../helpers/presence';
import { startServe } from '../helpers/serve';

const withChromium = hasTool('chromium', import.meta.filename);

/**
 * One node's document must not blind the grid: states, parts and ids that
 * are names of Object.prototype members, beside 100 good nodes, read by
 * every reader and the dashboard; and nodegrid's own files, damaged on disk,
 * set aside with a message while the rest goes on.
 */
const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
/** Bits of what a reader prints when it looked a name up on Object.prototype. */
const EVALUATED = /function|native code|\[object |undefined/;

let root: string;
let presence: string;
let reader: TestNode;
let now: Date;
let goodIds: string[];
let hostileIds: string[];

/** By id (a Map: as an object key, "__proto__" would not be one). */
function hostileDocuments(at: Date): Map<string, Record<string, string>> {
  const since = tssOf(new Date(at.getTime() - 600_000));
  const earlier = tssOf(new Date(at.getTime() - 1_200_000));
  const docs = new Map<string, Record<string, string>>();
  for (const name of PROTOTYPE_NAMES) {
    // The state, and a statelog of such states.
    docs.set(`i-state-${name}`, { 'instance-id': `i-state-${name}`, deployment: 'fed1', nodepart: 'app1', stacktype: 'lad1', state: name, statetss: since, statelog: `setup:${earlier};${name}:${since};` });
    // The id itself (a valid one), with parts that are prototype names too.
    docs.set(name, { 'instance-id': name, deployment: '__proto__', nodepart: 'constructor', stacktype: 'toString', state: 'running', statetss: since, statelog: `setup:${earlier};running:${since};` });
  }
  return docs;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-hostile-'));
  presence = path.join(root, 'presence');
  now = new Date();
  const generated = generatePresence(presence, { now, mix: { alive: 100 }, deployments: ['fed1', 'fed2'], nodeparts: ['db1', 'app1'] });
  goodIds = generated.ids.alive!;
  const hostile = hostileDocuments(now);
  hostileIds = [...hostile.keys()].sort();
  for (const [id, value] of hostile) {
    fs.writeFileSync(path.join(presence, 'it/presence/all', `${id}.json`), presenceDocument(value));
    writeBeat(presence, id, now);
  }
  // A checkout with history, so history and at read git as they do on a real grid.
  gitSync(['init', '--quiet', '--initial-branch', 'main', presence]);
  gitSync(['add', '-A'], { cwd: presence });
  gitSync(['commit', '--quiet', '-m', 'the grid'], { cwd: presence });
  reader = makeTestNode('nodegrid-hostile-reader-');
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  if (reader) fs.rmSync(reader.root, { recursive: true, force: true });
});

async function run(args: string[], n: TestNode = reader): Promise<{ stdout: string; stderr: string }> {
  const r = await n.run(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

interface JsonNode {
  id: string;
  state: unknown;
  deployment: unknown;
  nodepart: unknown;
  health: string;
}

describe('presence with Object.prototype names beside 100 good nodes', () => {
  it('nodes shows every node, the hostile ones with their state as plain text', async () => {
    const text = await run(['nodes', '--presence', presence]);
    for (const id of [...goodIds, ...hostileIds]) expect(text.stdout).toContain(id);
    for (const name of PROTOTYPE_NAMES) expect(text.stdout).toMatch(new RegExp(`i-state-${name.replace(/\$/g, '\\$')}\\s+alive\\s+${name}\\s`));
    expect(text.stdout).not.toMatch(EVALUATED);
    expect(text.stderr).toContain(`${goodIds.length + hostileIds.length} nodes from`);

    const nodes = JSON.parse((await run(['nodes', '--presence', presence, '--json'])).stdout) as JsonNode[];
    expect(nodes.map((n) => n.id).sort()).toEqual([...goodIds, ...hostileIds].sort());
    expect(nodes.every((n) => n.health === 'alive')).toBe(true);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const name of PROTOTYPE_NAMES) {
      expect(byId.get(`i-state-${name}`)?.state).toBe(name);
      expect(byId.get(name)).toMatchObject({ state: 'running', deployment: '__proto__', nodepart: 'constructor' });
    }
  });

  it('nodes --state and find --state match a prototype-named state as the text it is; find lists every good partner', async () => {
    for (const name of PROTOTYPE_NAMES) {
      const nodes = JSON.parse((await run(['nodes', '--presence', presence, '--state', name, '--json'])).stdout) as JsonNode[];
      expect(nodes.map((n) => n.id)).toEqual([`i-state-${name}`]);
    }
    const found = await run(['find', '--presence', presence, '--state', 'constructor,toString']);
    expect(found.stdout.split('\n').filter(Boolean)).toEqual(['i-state-constructor', 'i-state-toString']);
    // The working states by default: every good partner, and the prototype-named ids that are running.
    const partners = (await run(['find', '--presence', presence])).stdout.split('\n').filter(Boolean);
    expect(partners).toEqual(expect.arrayContaining([...goodIds, ...PROTOTYPE_NAMES]));
    expect(partners).toHaveLength(goodIds.length + PROTOTYPE_NAMES.length);
  });

  it('at shows every node with the state committed by then', async () => {
    const text = await run(['at', new Date().toISOString(), '--presence', presence]);
    for (const id of [...goodIds, ...hostileIds]) expect(text.stdout).toContain(`${id}:`);
    expect(text.stdout).not.toMatch(EVALUATED);
    const at = JSON.parse((await run(['at', new Date().toISOString(), '--presence', presence, '--json'])).stdout) as { nodes: JsonNode[] };
    expect(at.nodes).toHaveLength(goodIds.length + hostileIds.length);
    const states = new Map(at.nodes.map((n) => [n.id, n.state]));
    for (const name of PROTOTYPE_NAMES) expect(states.get(`i-state-${name}`)).toBe(name);
  });

  it('history lists a prototype-named state as plain text, for a prototype-named node too', async () => {
    const history = JSON.parse((await run(['history', 'i-state-__proto__', '--presence', presence, '--json'])).stdout) as { states: Array<{ state: unknown }> };
    expect(history.states.map((s) => s.state)).toEqual(['setup', '__proto__']);
    const text = await run(['history', 'i-state-toString', '--presence', presence]);
    expect(text.stdout).toMatch(/setup[\s\S]*toString/);
    expect(text.stdout).not.toMatch(EVALUATED);
    const ofId = JSON.parse((await run(['history', 'constructor', '--presence', presence, '--json'])).stdout) as { states: Array<{ state: unknown }> };
    expect(ofId.states.map((s) => s.state)).toEqual(['setup', 'running']);
  });

  it.runIf(withChromium)('the dashboard in Chromium shows every node and the hostile states as text', async () => {
    fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
    const serve = await startServe(['--presence', presence, '--refresh', '60'], { NODEGRID_HOME: path.join(root, 'serve-home'), NODEGRID_CONFIG: path.join(root, 'config.json') });
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(serve.url);
      await page.waitForSelector('#grid tbody tr.node');
      await expect.poll(() => page.locator('#grid tbody tr.node').count()).toBe(goodIds.length + hostileIds.length);
      interface Row { dataset: Record<string, string | undefined>; cells: ArrayLike<{ textContent: string | null }> }
      const rows = await page.$$eval('#grid tbody tr.node', (trs) => trs.map((tr) => ({ id: (tr as unknown as Row).dataset.id ?? '', state: (tr as unknown as Row).cells[2]?.textContent ?? '' })));
      const states = new Map(rows.map((r) => [r.id, r.state]));
      for (const id of goodIds) expect(states.get(id)).toBe('running');
      for (const name of PROTOTYPE_NAMES) {
        expect(states.get(`i-state-${name}`)).toBe(name);
        expect(states.get(name)).toBe('running');
      }
      expect(await page.locator('#health-counts [data-health="alive"] b').innerText()).toBe(String(goodIds.length + hostileIds.length));
      expect(await page.locator('#grid-body').innerText()).not.toMatch(EVALUATED);

      // The timeline colours a state the lifecycle does not know gray, never by a property of the colour table.
      for (const id of ['i-state-toString', 'i-state-constructor', '__proto__']) {
        await page.goto(`${serve.url}#node/${encodeURIComponent(id)}`);
        await page.waitForSelector(`#detail[data-id="${id}"] #detail-timeline li`);
        const steps = await page.$$eval('#detail-timeline li', (lis) => lis.map((li) => `${li.className} ${li.querySelector('.badge')?.textContent ?? ''}`));
        const expected = id === '__proto__' ? ['c-green running', 'c-yellow setup'] : [`c-gray ${id.slice('i-state-'.length)}`, 'c-yellow setup'];
        expect(steps).toEqual(expected);
      }
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
      await serve.stop();
    }
  });
});

describe("a node's own state and files, damaged", () => {
  it('state and state --json print a state.txt of "toString" as plain text', async () => {
    const n = makeTestNode('nodegrid-hostile-state-');
    try {
      await run(['init', '--id', 'i-0000beef', '--deployment', 'fed1', '--nodepart', 'db1'], n);
      fs.writeFileSync(path.join(n.nodeinfo, 'state.txt'), 'toString\n');
      const text = await run(['state'], n);
      expect(text.stdout).toMatch(/^toString \(i-0000beef:fed1\/db1\)/);
      expect(`${text.stdout}${text.stderr}`).not.toMatch(EVALUATED);
      expect(JSON.parse((await run(['state', '--json'], n)).stdout)).toMatchObject({ id: 'i-0000beef', state: 'toString' });
    } finally {
      fs.rmSync(n.root, { recursive: true, force: true });
    }
  });

  it('sets aside a corrupt outbox event file, naming it, and delivers the other events', async () => {
    const n = makeTestNode('nodegrid-hostile-outbox-');
    try {
      const received = path.join(n.root, 'received.jsonl');
      const fixed = path.join(n.root, 'fixed');
      n.writeConfig({ sinks: { exec: [{ name: 'hook', command: `test -f '${fixed}' || exit 1; cat >> '${received}'; echo >> '${received}'` }] } });
      await run(['init', '--id', 'i-0000e0e0', '--deployment', 'fed1', '--nodepart', 'db1'], n);
      for (const state of ['setup', 'initdone', 'running', 'draining']) await run(['state', 'set', state], n);
      const queueDir = path.join(n.home, 'outbox', 'exec:hook');
      const files = fs.readdirSync(queueDir).filter((name) => /^\d{12}-/.test(name)).sort();
      expect(files).toHaveLength(4);
      // Valid JSON that is not an event, and a file cut short.
      fs.writeFileSync(path.join(queueDir, files[1]!), '{"seq": "2", "kind": "state", "node": {"id": "i-0000e0e0"}}\n');
      fs.writeFileSync(path.join(queueDir, files[2]!), '{"id": "i-0000e0e0-3", "seq": 3, "ki');
      fs.writeFileSync(fixed, '');

      const flushed = await n.run(['outbox', 'flush']);
      expect(flushed.code, flushed.stderr).toBe(0);
      for (const name of [files[1]!, files[2]!]) expect(flushed.stderr).toContain(`${path.join(queueDir, name)}: `);
      expect(flushed.stderr).toContain('does not match its format: "id": missing (expected string); "seq": expected number, not a string');
      expect(flushed.stderr).toContain('not valid JSON');
      expect(flushed.stderr).toContain(`moved it to ${path.join(queueDir, 'failed')}`);
      const delivered = readOrEmpty(received).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { seq: unknown; state: unknown }));
      expect(delivered.map((e) => [e.seq, e.state])).toEqual([
        [1, 'setup'],
        [4, 'draining'],
      ]);
      expect(fs.readdirSync(path.join(queueDir, 'failed')).sort()).toEqual([files[1], files[2]]);
      expect(readOrEmpty(path.join(n.home, 'log', 'nodegrid.log'))).not.toContain('unexpected');
    } finally {
      fs.rmSync(n.root, { recursive: true, force: true });
    }
  });

  it('sets aside a corrupt pending.json, naming it, and records the next change cleanly', async () => {
    const n = makeTestNode('nodegrid-hostile-journal-');
    try {
      await run(['init', '--id', 'i-0000abcd', '--deployment', 'fed1', '--nodepart', 'db1'], n);
      await run(['state', 'set', 'setup'], n);
      const pending = path.join(n.home, 'journal', 'pending.json');
      // Valid JSON, not a change: applying it would write "running:undefined;" into the statelog.
      fs.writeFileSync(pending, '{"event": {"seq": 2, "kind": "state", "state": "running"}, "statelogSizeBefore": 0}\n');
      const r = await n.run(['state', 'set', 'initdone']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${pending}: does not match its format: "event"."id": missing (expected string)`);
      expect(r.stderr).toMatch(new RegExp(`moved it to ${pending.replace(/[.]/g, '\\.')}\\.corrupt-\\d+`));
      expect(fs.readdirSync(path.dirname(pending)).filter((name) => name.startsWith('pending.json'))).toEqual([expect.stringMatching(/^pending\.json\.corrupt-\d+$/)]);
      expect(n.read('nodeinfo/state.txt')).toBe('initdone\n');
      expect(n.read('nodeinfo/statelog.txt')).toMatch(/^setup:\d{8}-\d{6};initdone:\d{8}-\d{6};$/);
      expect(readOrEmpty(path.join(n.home, 'log', 'nodegrid.log'))).toContain(`WARNING: ${pending}: does not match its format`);
    } finally {
      fs.rmSync(n.root, { recursive: true, force: true });
    }
  });
});

describe('presence show of an oversized document', () => {
  it('skips a 50 MB document naming the file, in bounded memory', async () => {
    const repos = makeRepoRoot('nodegrid-hostile-show-');
    let n: TestNode | undefined;
    try {
      const bare = createBareRepo(repos.dir, 'grid.git');
      const huge = presenceDocument({ 'instance-id': 'i-huge', state: 'running', padding: 'x'.repeat(50 * 1024 * 1024) });
      commitFiles(bare, 'main', { 'it/presence/all/i-huge.json': huge, 'it/presence/all/i-small.json': presenceDocument({ 'instance-id': 'i-small', state: 'running', deployment: 'fed1', nodepart: 'db1' }) }, 'a huge document');
      n = await presenceNode(bare, 'i-0000show');

      const small = await n.run(['presence', 'show', 'i-small', '--json']);
      expect(small.code, small.stderr).toBe(0);
      expect(JSON.parse(small.stdout)).toMatchObject({ record: { id: 'i-small', state: 'running' }, problem: null });

      const shown = await timed(n, ['presence', 'show', 'i-huge']);
      expect(shown.code).toBe(3);
      expect(shown.stderr).toMatch(/it\/presence\/all\/i-huge\.json larger than 64 KB \(\d{8} bytes\)/);
      // Reading the document whole took 260 MB; node itself starts at about 50.
      expect(shown.maxRssKb).toBeLessThan(150 * 1024);
    } finally {
      repos.remove();
      if (n) fs.rmSync(n.root, { recursive: true, force: true });
    }
  });
});

/** Runs the CLI under /usr/bin/time -v: the exit code, stderr, and the peak RSS of it and its children. */
function timed(n: TestNode, args: string[]): Promise<{ code: number | null; stderr: string; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, nodegridBin(), ...args], { env: { ...cleanEnv(), ...n.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const status = /Exit status: (\d+)/.exec(stderr);
      resolve({ code: status ? Number(status[1]) : code, stderr, maxRssKb: rss ? Number(rss[1]) : Infinity });
    });
  });
}
