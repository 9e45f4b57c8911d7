import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, nodegridBin, runCli } from '../helpers/cli';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('runs a grid through the real CLI: chat lines, a wedged node, a zombie, a stale node, the monitor, and presence that holds it all', async () => {
    const demo = path.resolve(import.meta.dirname, '../../scripts/demo.mjs');
    const { stdout } = await run(process.execPath, [demo, '--for', '45', '--keep'], { env: { ...cleanEnv(), NODEGRID_BIN: nodegridBin() }, timeout: 200_000 });
    const kept = /kept (\S+)/.exec(stdout)?.[1];
    expect(kept).toBeDefined();
    try {
      // What arrived at the chat receiver, in the original's message shape.
      expect(stdout).toMatch(/chat #ops i-1a2b3c4d:fed1\/lb1: setup -> initdone \(init took \d+ s\)/);
      expect(stdout).toMatch(/chat #ops-critical i-4d5e6f70:fed1\/db1: initdone -> wedged \(work failed 2 times: bin\/nodework\/part\/db1\/work\.sh exit 32: cannot mount \/data from \/dev\/xvdq: no such device\)/);
      // The monitor, watching from outside, told the room about the zombie.
      expect(stdout).toMatch(/chat #ops \(monitor\) i-5e6f7081:fed1\/app1: \S+ -> zombie/);
      expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/chat #ops \(monitor\) i-708192a3:fed1\/app1: \S+ -> stale \(last heartbeat \d+ s ago\)/);
      expect(stdout).toContain('fed1: 6 alive, 1 stale, 1 zombie, 1 wedged, 1 retired');

      // The presence repository really holds the grid: a document per node, commits from each.
      const presence = path.join(kept!, 'presence.git');
      const documents = execFileSync('git', ['--git-dir', presence, 'ls-tree', '--name-only', 'main', 'it/presence/all/'], { encoding: 'utf8' }).trim().split('\n');
      expect(documents).toHaveLength(10);
      const subjects = execFileSync('git', ['--git-dir', presence, 'log', '--format=%s', 'main'], { encoding: 'utf8' });
      for (const doc of documents) expect(subjects).toContain(`${path.basename(doc, '.json')}:fed1/`);

      const observer = path.join(kept!, 'observer.yaml');
      const nodes = await runCli(['nodes', '--json', '--remote', presence], { env: { NODEGRID_CONFIG: observer, NODEGRID_HOME: path.join(kept!, 'check') } });
      const health = Object.fromEntries((JSON.parse(nodes.stdout) as Array<{ id: string; health: string }>).map((n) => [n.id, n.health]));
      expect(health).toMatchObject({ 'i-4d5e6f70': 'wedged', 'i-5e6f7081': 'zombie', 'i-2b3c4d5e': 'retired', 'i-708192a3': 'stale', 'i-92a3b4c5': 'alive' });
    } finally {
      fs.rmSync(kept!, { recursive: true, force: true });
    }
  }, 240_000);
});
