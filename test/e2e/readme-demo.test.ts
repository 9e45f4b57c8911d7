import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/cli';

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

describe("the README's first command", () => {
  it('works as written on a fresh clone with nothing installed, and leaves nothing running', async () => {
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
