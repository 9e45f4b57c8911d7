import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_RULES } from '../../src/core/health';
import { defaultConfig } from '../../src/config/schema';
import { loadGrid } from '../../src/grid/load';
import { openPresence } from '../../src/presence/open';
import { liveServerDocument, plausiblyLive } from '../../src/grid/partners';
import { countHealth, filterNodes } from '../../src/grid/query';
import { classifyGrid, nodeJson, type GridNode } from '../../src/grid/view';
import { generatePresence, type GeneratedPresence } from '../helpers/grid-fixture.mjs';

const now = new Date('2015-10-08T21:13:30Z');
const rules = { zombieAfterMinutes: 30, staleAfterBeats: 3, beatEveryMinutes: 1 };
let root: string;
let generated: GeneratedPresence;
let nodes: GridNode[];
let problems: ReadonlyArray<{ file: string; message: string }>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-grid-'));
  generated = generatePresence(root, {
    now,
    mix: { alive: 40, stale: 2, zombie: 3, wedged: 1, retired: 4 },
    deployments: ['fed1', 'fed2'],
    hostile: true,
  });
  const location = await openPresence({ presenceDir: root, presence: defaultConfig().presence, homeDir: path.join(root, 'home') });
  const grid = await loadGrid(location, { now, lookbackHours: 24 });
  nodes = classifyGrid(grid.records, grid.beats, now, rules);
  problems = grid.problems;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the grid from a generated presence folder', () => {
  it('classifies every node exactly', () => {
    expect(countHealth(nodes)).toEqual({ alive: 40, new: 0, stale: 2, zombie: 3, stuck: 0, wedged: 1, retired: 4 });
    expect(nodes).toHaveLength(generated.total);
  });

  it('skips each hostile file under its own file name and keeps the real node its name belongs to', () => {
    expect(problems.map((p) => path.basename(p.file)).sort()).toEqual([...generated.hostile].sort());
    const byFile = Object.fromEntries(problems.map((p) => [path.basename(p.file), p.message]));
    expect(byFile['i-corrupt.json']).toMatch(/not valid JSON/);
    expect(byFile['i-huge.json']).toMatch(/larger than/);
    expect(byFile['i-mismatch.json']).toMatch(/says it is "i-alive-00000"/);
    expect(byFile['i-traversal.json']).toMatch(/"instance-id": not a valid instance id/);
    // The document claiming to be i-alive-00000 (wedged) did not replace the real one.
    expect(nodes.find((n) => n.id === 'i-alive-00000')?.health).toBe('alive');
    expect(nodes.some((n) => n.id.includes('/') || n.id.includes('<'))).toBe(false);
  });

  it('reports the last beat as the start of its flattime minute', () => {
    expect(nodes.find((n) => n.id === 'i-alive-00001')?.heartbeat).toBe('2015-10-08T21:13:00.000Z');
    expect(nodes.find((n) => n.id === 'i-stale-00000')?.heartbeat).toBe('2015-10-08T21:03:00.000Z');
    expect(nodes.find((n) => n.id === 'i-retired-00000')?.heartbeat).toBeNull();
  });

  it('gives each node of a minute its own heartbeat, and an exact beat time over the minute', () => {
    const inOneMinute = nodes.filter((n) => n.heartbeat === '2015-10-08T21:13:00.000Z');
    expect(inOneMinute.length).toBeGreaterThan(1);
    const record = nodes.find((n) => n.id === 'i-alive-00001')!.record;
    const exact = new Date('2015-10-08T21:13:20.500Z');
    const [withExact, withMinute] = classifyGrid([record, { ...record, id: 'i-alive-09999' }], new Map([[record.id, '201510082113'], ['i-alive-09999', '201510082113']]), now, rules, new Map([[record.id, exact]]));
    expect([withExact!.heartbeat, withMinute!.heartbeat]).toEqual(['2015-10-08T21:13:20.500Z', '2015-10-08T21:13:00.000Z']);
  });

  it('prints a node as JSON in a fixed key order, with silenced, fields and labels only when it has them', () => {
    const record = nodes.find((n) => n.id === 'i-alive-00001')!.record;
    const plain = { ...record, extra: {}, labels: {} };
    const rich = { ...record, id: 'i-alive-09998', initgitrepo: 'grid1', extra: { hostname: 'db-7' }, labels: { env: 'prod' } };
    const silence = { id: 's-1', match: { id: 'i-alive-09998' }, by: 'alice@ops', at: '2015-10-08T21:00:00.000Z', until: '2015-10-08T22:00:00.000Z' };
    const [a, b] = classifyGrid([plain, rich], new Map([[plain.id, '201510082113']]), now, rules, undefined, [silence]).map(nodeJson);
    const common = ['id', 'deployment', 'nodepart', 'stacktype', 'state', 'statetss', 'heartbeat', 'health', 'note'];
    expect(Object.keys(a!)).toEqual([...common, 'initgitrepo']);
    expect(Object.keys(b!)).toEqual([...common, 'silenced', 'initgitrepo', 'fields', 'labels']);
    expect(b).toMatchObject({ id: 'i-alive-09998', initgitrepo: 'grid1', fields: { hostname: 'db-7' }, labels: { env: 'prod' }, silenced: { id: 's-1', by: 'alice@ops', note: null, until: silence.until } });
    expect(a).toMatchObject({ heartbeat: '2015-10-08T21:13:00.000Z', initgitrepo: null, note: null });
  });

  it('filters by deployment, nodepart, state and health together', () => {
    expect(filterNodes(nodes, { deployment: 'fed1' })).toHaveLength(25);
    expect(filterNodes(nodes, { healths: ['stale', 'zombie'] })).toHaveLength(5);
    expect(filterNodes(nodes, { deployment: 'fed2', healths: ['alive'] }).every((n) => n.deployment === 'fed2' && n.health === 'alive')).toBe(true);
    expect(filterNodes(nodes, { states: ['setup'] }).map((n) => n.health)).toEqual(['zombie', 'zombie', 'zombie']);
    expect(filterNodes(nodes, { nodepart: 'nope' })).toEqual([]);
  });

  it('finds only alive nodes in working states as partners, and shapes the liveserver document like the original', () => {
    const partners = plausiblyLive(nodes, ['initdone', 'running']);
    expect(partners).toHaveLength(40);
    // A node that just published initdone, its first beat not due yet, is a partner too (as for `wait`).
    const justUp = classifyGrid([{ ...nodes[0]!.record, id: 'i-just-up', state: 'initdone', statetss: '20151008-211300' }], new Map(), now, DEFAULT_HEALTH_RULES);
    expect(justUp[0]!.health).toBe('new');
    expect(plausiblyLive([...nodes, ...justUp], ['initdone', 'running']).map((n) => n.id)).toContain('i-just-up');
    const doc = liveServerDocument(partners.slice(0, 2), 'test', now);
    expect(Object.keys(doc)).toEqual(['source', 'tss', 'tsm', 'datepath', 'nodes']);
    expect(doc).toMatchObject({ tss: '20151008-211330', tsm: '201510082113', datepath: '2015/10/08/21/201510082113' });
    expect((doc.nodes as Array<Record<string, string>>)[0]).toMatchObject({ 'instance-id': 'i-alive-00000', state: 'running', nodepart: 'db1' });
  });
});
