import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

/**
 * `state set` on a disk that fills up, on a small tmpfs of its own (we run as
 * root). tmpfs counts whole pages, so leaving exactly N pages free makes a
 * chosen step of the record the first that cannot write: pending.json (before
 * the commit point), then state.txt, a second sink's queue file and the
 * journal's seq (after it).
 */
const PAGE = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim());
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-disk-full-'));
const disk = path.join(root, 'disk');
const nodeinfo = path.join(disk, 'nodeinfo');
const home = path.join(disk, 'home');
const fill = path.join(disk, 'fill');
const configFile = path.join(root, 'config.json');
const env = { NODEGRID_NODEINFO: nodeinfo, NODEGRID_HOME: home, NODEGRID_CONFIG: configFile };
const run = (args: string[]) => runCli(args, { env });
const read = (file: string): string => fs.readFileSync(file, 'utf8');
let mounted = false;

/** Fills the disk, then frees exactly `pages` pages. */
function leaveFreePages(pages: number): void {
  fs.rmSync(fill, { force: true });
  const fd = fs.openSync(fill, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  fs.ftruncateSync(fd, Math.max(0, fs.fstatSync(fd).size - pages * PAGE));
  fs.closeSync(fd);
}

function tempFiles(): string[] {
  return execFileSync('find', [disk, '-name', '*.tmp']).toString().split('\n').filter(Boolean);
}

beforeAll(async () => {
  fs.mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', disk]);
  mounted = true;
  // Two sinks, so that one queue file fits and the next does not; `true` is never run (--no-wait).
  fs.writeFileSync(configFile, JSON.stringify({ sinks: { exec: [{ name: 'a', command: 'true' }, { name: 'b', command: 'true' }] } }));
  expect((await run(['init', '--id', 'i-0d15cf11'])).code).toBe(0);
  expect((await run(['state', 'set', 'setup', '--no-wait'])).code).toBe(0);
});

afterAll(() => {
  if (mounted) execFileSync('umount', [disk]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('state set on a full disk', () => {
  it('before the commit point: "not recorded", naming the journal folder, exit 74, nothing changed and no temporary file left', async () => {
    const statelog = read(path.join(nodeinfo, 'statelog.txt'));
    leaveFreePages(0);
    const r = await run(['state', 'set', 'initdone', '--no-wait']);
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toContain(`not recorded: no space left on ${home}/journal (writing pending.json); nothing changed`);
    expect(r.stderr).not.toContain('unexpected failure');
    expect(read(path.join(nodeinfo, 'state.txt'))).toBe('setup\n');
    expect(read(path.join(nodeinfo, 'statelog.txt'))).toBe(statelog);
    expect(fs.existsSync(path.join(home, 'journal', 'pending.json'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('past the commit point: "recorded", naming the nodeinfo folder; `state` still answers while full; the next command completes it', async () => {
    leaveFreePages(1);
    const r = await run(['state', 'set', 'initdone', '--no-wait']);
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toContain(`recorded (setup -> initdone); finishing it needs space on ${nodeinfo} (no space left writing state.txt); the next command completes it`);
    expect(r.stderr).toContain(`${nodeinfo}/state.txt shows setup until then`);
    // The commit point is passed: the journal and the statelog hold the change, state.txt not yet.
    expect(fs.existsSync(path.join(home, 'journal', 'pending.json'))).toBe(true);
    expect(read(path.join(nodeinfo, 'statelog.txt'))).toMatch(/initdone:\d{8}-\d{6};$/);
    expect(read(path.join(nodeinfo, 'state.txt'))).toBe('setup\n');
    expect(tempFiles()).toEqual([]);

    const shown = await run(['state']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^setup since /);
    expect(shown.stderr).toContain(`an earlier change (setup -> initdone) is recorded, but finishing it needs space on ${nodeinfo}`);

    // Another change waits for the earlier one: refused with the same code, nothing new recorded.
    const next = await run(['state', 'set', 'running', '--no-wait']);
    expect(next.code, next.stderr).toBe(74);
    expect(next.stderr).toContain('an earlier change (setup -> initdone) is recorded');
    expect(next.stderr).toContain('nothing new was recorded');

    fs.rmSync(fill);
    const after = await run(['state']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^initdone since /);
    expect(read(path.join(nodeinfo, 'statelog.txt')).match(/initdone:/g)).toHaveLength(1);
    expect(fs.existsSync(path.join(home, 'journal', 'pending.json'))).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it.each([
    { pages: 2, to: 'running', from: 'initdone', where: () => `${home}/outbox/exec:b` },
    { pages: 3, to: 'draining', from: 'running', where: () => `${home}/journal (no space left writing seq)` },
  ])('past the commit point with $pages pages free ($from -> $to): recorded, naming the full folder; completed once there is space', async ({ pages, to, from, where }) => {
    leaveFreePages(pages);
    const r = await run(['state', 'set', to, '--no-wait']);
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toContain(`recorded (${from} -> ${to}); finishing it needs space on ${where()}`);
    expect(r.stderr).toContain('the next command completes it');
    expect(tempFiles()).toEqual([]);
    fs.rmSync(fill);

    const after = await run(['state']);
    expect(after.stdout).toMatch(new RegExp(`^${to} since `));
    expect(read(path.join(nodeinfo, 'statelog.txt')).match(new RegExp(`${to}:`, 'g'))).toHaveLength(1);
    // Queued once for each sink, the roll-forward included.
    for (const sink of ['exec:a', 'exec:b']) {
      const queued = fs.readdirSync(path.join(home, 'outbox', sink)).filter((name) => name.includes('-state-'));
      expect(queued.filter((name) => fs.readFileSync(path.join(home, 'outbox', sink, name), 'utf8').includes(`"state":"${to}"`)), sink).toHaveLength(1);
    }
    expect(fs.existsSync(path.join(home, 'journal', 'pending.json'))).toBe(false);
  });

  it('with room again, records as usual', async () => {
    const r = await run(['state', 'set', 'drained', '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(read(path.join(nodeinfo, 'state.txt'))).toBe('drained\n');
  });
});
