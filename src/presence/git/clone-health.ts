import fs from 'node:fs';
import path from 'node:path';
import { GIT_OWNER_VARIABLE, runGit } from '../../git/run';
import { taggedProcessIsAlive } from '../../sys/pid';

/**
 * A git killed mid-command (a delivery's budget ran out, an OOM kill, a cgroup
 * stop) leaves its lock files behind, and git then refuses every later command
 * on the clone ("Unable to create '…/shallow.lock': File exists"). The clone is
 * nodegrid's own and only ever used under the clone lock, so whatever lock is
 * found in it by the lock's holder belongs to a git that is no longer running
 * (stragglers are stopped first by stopStrayGits) and is removed.
 */

/** Files at the top of a bare repository that only a running git may hold. */
const TOP_LEVEL_LOCKS = new Set(['shallow.lock', 'index.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock', 'FETCH_HEAD.lock', 'ORIG_HEAD.lock', 'gc.pid']);
/** Temporary files of our own plumbing (older versions' index files) and of git's object writers. */
const TEMP_FILE = /^(nodegrid-index-.*|nodegrid-obj-.*|tmp_obj_.*|tmp_pack_.*|tmp_idx_.*|tmp_rev_.*|tmp_mtimes_.*|\.tmp-.*)$/;

/** Absolute paths of lock and temporary files a killed git leaves in `gitDir`. */
export function findStaleLocks(gitDir: string): string[] {
  const found: string[] = [];
  for (const name of listDir(gitDir)) {
    if (TOP_LEVEL_LOCKS.has(name) || TEMP_FILE.test(name)) found.push(path.join(gitDir, name));
  }
  walk(path.join(gitDir, 'refs'), (file) => {
    // git's ref locks, and our own refs' temporaries (git/refs.ts writes them aside).
    if (file.endsWith('.lock') || /\.nodegrid-\d+\.tmp$/.test(file)) found.push(file);
  });
  const objects = path.join(gitDir, 'objects');
  for (const name of listDir(objects)) {
    const full = path.join(objects, name);
    if (TEMP_FILE.test(name) || name.startsWith('incoming-')) found.push(full);
    else if (/^[0-9a-f]{2}$/.test(name)) for (const inner of listDir(full)) if (TEMP_FILE.test(inner)) found.push(path.join(full, inner));
  }
  for (const name of listDir(path.join(objects, 'pack'))) {
    // A .keep written by a fetch that died before it could remove it blocks repacking for good.
    if (TEMP_FILE.test(name) || name.endsWith('.keep')) found.push(path.join(objects, 'pack', name));
  }
  for (const name of listDir(path.join(objects, 'info'))) if (name.endsWith('.lock')) found.push(path.join(objects, 'info', name));
  return found.sort();
}

/** Removes what findStaleLocks finds; the caller holds the clone lock. Returns what was removed. */
export function removeStaleLocks(gitDir: string): string[] {
  const removed: string[] = [];
  for (const file of findStaleLocks(gitDir)) {
    try {
      fs.rmSync(file, { recursive: true, force: true });
      removed.push(file);
    } catch {
      /* gone already, or not ours to remove: git will name it */
    }
  }
  return removed;
}

/** The owner tag run.ts gives every git, from its environment; undefined for gits nodegrid did not start. */
function ownerOf(pid: string): string | undefined {
  try {
    const prefix = `${GIT_OWNER_VARIABLE}=`;
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((entry) => entry.startsWith(prefix))?.slice(prefix.length);
  } catch {
    return undefined;
  }
}

/**
 * Stops git processes still working on `gitDir`: a nodegrid killed with
 * SIGKILL leaves its git children running in their own process groups. Their
 * locks must not be taken from under them, so they go first. Only gits whose
 * starter is gone are stray: a live reader's ls-tree is left alone. Linux only
 * (/proc); elsewhere nothing is found.
 */
export function stopStrayGits(gitDir: string): number[] {
  const target = path.resolve(gitDir);
  const stopped: number[] = [];
  for (const name of listDir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/(^|\/)git$/.test(argv[0] ?? '')) continue;
    const at = argv.indexOf('--git-dir');
    if (at < 0 || path.resolve(argv[at + 1] ?? '') !== target) continue;
    // A reader still running (it lists and reads outside the clone lock) keeps its gits.
    const owner = ownerOf(name);
    if (owner !== undefined && taggedProcessIsAlive(owner)) continue;
    try {
      // runGit starts each git as the leader of its own group: end it with its helpers.
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        continue;
      }
    }
    stopped.push(pid);
  }
  return stopped;
}

/**
 * Whether git can still read the clone: its refs resolve and what they reach is
 * there. Undefined when it is fine, else git's reason. Cheap on a shallow clone.
 */
export async function checkCloneIntegrity(gitDir: string, timeoutMs: number): Promise<string | undefined> {
  if (!fs.existsSync(path.join(gitDir, 'HEAD')) || !fs.existsSync(path.join(gitDir, 'objects'))) return 'the clone is missing or half-made';
  const stale = findStaleLocks(gitDir);
  if (stale.length > 0) return `stale git lock or temporary files: ${stale.map((file) => path.relative(gitDir, file)).join(', ')}`;
  const result = await runGit(['fsck', '--connectivity-only', '--no-dangling', '--no-progress'], { gitDir, timeoutMs }).catch((error: unknown) => ({ code: -1, stderr: error instanceof Error ? error.message : String(error) }));
  if (result.code === 0) return undefined;
  return firstLines(result.stderr) || `git fsck exited ${result.code}`;
}

/** git messages that mean the clone itself is damaged, not the remote or the network. */
const DAMAGE = [
  /loose object [0-9a-f]+ .*is corrupt/i,
  /object file .* is empty/i,
  /bad object/i,
  /bad tree object/i,
  /(unable to|cannot) read (tree|commit|blob|sha1 file|object)/i,
  /invalid (shallow|object)/i,
  /(shallow|packed-refs) file .* (has changed|corrupt|broken)/i,
  /\bcorrupt\b/i,
  /did not receive expected object/i,
  /not a git repository/i,
  /bad index file|index file corrupt/i,
  /fatal: (bad|broken|invalid) ref/i,
  /unable to parse object/i,
  /packfile .* (does not match|cannot be accessed)/i,
  /inflate:|zlib/i,
];

export function looksLikeDamagedClone(stderr: string): boolean {
  // What the server says about its own repository is not our clone's damage.
  const ours = stderr
    .split('\n')
    .filter((line) => !/^\s*remote:/.test(line))
    .join('\n');
  return DAMAGE.some((pattern) => pattern.test(ours));
}

/**
 * Moves a damaged clone aside (kept, one generation, for a person to look at)
 * so the next use makes a fresh one. Returns where it went.
 */
export function setCloneAside(gitDir: string): string {
  const aside = `${gitDir}.broken`;
  fs.rmSync(aside, { recursive: true, force: true });
  fs.renameSync(gitDir, aside);
  return aside;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function walk(dir: string, visit: (file: string) => void): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return;
  }
  for (const name of names) visit(path.join(dir, name));
}

function firstLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, 3)
    .join('; ')
    .slice(0, 400);
}
