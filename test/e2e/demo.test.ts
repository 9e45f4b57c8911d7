import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, nodegridBin, runCli } from '../helpers/cli';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The first line of the README's first code block: the main job on the embedded default. */
function readmeDemoLine(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block.split('\n')[0]!.trim();
}

/** Processes whose command line mentions a folder: what the demo might have left running. */
function processesUnder(dir: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
        return !zombie && cmdline.includes(dir) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}


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
      // (The others stopped beating when the demo stopped: their health now depends on how long ago that was.)
      expect(health).toMatchObject({ 'i-4d5e6f70': 'wedged', 'i-5e6f7081': 'zombie', 'i-2b3c4d5e': 'retired', 'i-708192a3': 'stale' });
    } finally {
      fs.rmSync(kept!, { recursive: true, force: true });
    }
  }, 240_000);

  // The README's first line, as a newcomer runs it. In this file, so the two demos never run at once.
  it("the README's first command works as written on a fresh clone with nothing installed, and leaves nothing running", async () => {
    const line = readmeDemoLine();
    expect(line).toBe('npm ci && npm run demo');
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-fresh-'));
    try {
      execFileSync('git', ['clone', '--quiet', repoRoot, clone]);
      expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false);
      const { stdout } = await run('bash', ['-c', `${line} -- --for 45`], {
        cwd: clone,
        env: { ...cleanEnv(), npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
        timeout: 420_000,
        maxBuffer: 32 * 1024 * 1024,
      });
      expect(stdout).toMatch(/chat #ops i-\w+:fed1\/app1: setup -> initdone/);
      expect(stdout).toMatch(/chat #ops-critical i-4d5e6f70:fed1\/db1: initdone -> wedged/);
      expect(stdout).toMatch(/i-5e6f7081\s+zombie\s+presetup/);
      expect(stdout).toMatch(/i-708192a3\s+stale\s+running/);
      expect(stdout).toContain('fed1: 6 alive, 1 stale, 1 zombie, 1 wedged, 1 retired');
      // Nothing left running (git daemon, the dashboard, node processes) and the demo's folder is gone.
      const work = /under (\S+)/.exec(stdout)?.[1];
      expect(work).toBeDefined();
      expect(processesUnder(clone)).toEqual([]);
      expect(processesUnder(work!)).toEqual([]);
      expect(fs.existsSync(work!)).toBe(false);
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  }, 480_000);
});
