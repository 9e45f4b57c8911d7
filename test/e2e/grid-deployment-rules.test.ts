import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { generatePresence } from '../helpers/grid-fixture.mjs';

// The fixture's stale nodes last beat 10 minutes ago; its zombies have been in setup for 60.
const N = new Date('2015-10-08T21:13:30Z');
let reader: TestNode;
let presence: string;

beforeEach(() => {
  reader = makeTestNode('nodegrid-deployment-rules-');
  presence = path.join(reader.root, 'presence');
  // Round-robin: even nodes in fed1, odd in edge; each deployment gets a stale node and a zombie.
  generatePresence(presence, { now: N, mix: { stale: 2, zombie: 2 }, deployments: ['fed1', 'edge'] });
});
afterEach(() => fs.rmSync(reader.root, { recursive: true, force: true }));

async function healths(): Promise<Record<string, string>> {
  const r = await reader.run(['nodes', '--presence', presence, '--now', N.toISOString(), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const nodes = JSON.parse(r.stdout) as Array<{ deployment: string; health: string; state: string }>;
  return Object.fromEntries(nodes.map((node) => [`${node.deployment} ${node.state}`, node.health]));
}

describe('grid.deployments: thresholds per deployment', () => {
  it('judges each deployment by its own thresholds and the rest by the grid-wide ones', async () => {
    expect(await healths()).toEqual({ 'fed1 running': 'stale', 'edge running': 'stale', 'fed1 setup': 'zombie', 'edge setup': 'zombie' });

    // edge beats over a slow link (20 beats of grace); fed1's databases take 90 minutes to set up.
    reader.writeConfig({ grid: { staleAfterBeats: 3, deployments: { edge: { staleAfterBeats: 20 }, fed1: { zombieAfterMinutes: '90m' } } } });
    expect(await healths()).toEqual({ 'fed1 running': 'stale', 'edge running': 'alive', 'fed1 setup': 'alive', 'edge setup': 'zombie' });

    // The monitor judges by the same rules: only what is troubled by them counts.
    const monitor = await reader.run(['monitor', '--once', '--presence', presence, '--now', N.toISOString(), '--json']);
    expect(monitor.code, monitor.stderr).toBe(3);
    const counts = (JSON.parse(monitor.stdout.trim().split('\n').at(-1)!) as { counts: Record<string, number> }).counts;
    expect(counts).toMatchObject({ alive: 2, stale: 1, zombie: 1 });
  });

  it('refuses a bad threshold naming the deployment and the key, before reading presence', async () => {
    reader.writeConfig({ grid: { deployments: { edge: { staleAfterBeats: 0 } } } });
    const bad = await reader.run(['nodes', '--presence', presence]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('grid.deployments.edge.staleAfterBeats');

    reader.writeConfig({ grid: { deployments: { edge: { stalAfterBeats: 20 } } } });
    const typo = await reader.run(['nodes', '--presence', presence]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('stalAfterBeats');
  });
});
