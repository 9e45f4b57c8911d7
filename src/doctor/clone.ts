import fs from 'node:fs';
import path from 'node:path';
import { NodegridError } from '../core/errors';
import { acquireLock } from '../sys/lock';
import { checkCloneIntegrity, findStaleLocks } from '../presence/git/clone-health';
import { ok, problem, type CheckResult } from './check';

/**
 * The sink's own bare clone: no lock files a killed git left (they mute every
 * later fetch), and git can still read what its refs reach. Looked at under
 * the clone lock, so a delivery running right now is not mistaken for a
 * killed one; the clone lock is the file clone.ts's withCloneLock takes.
 */
export async function checkClone(sink: string, gitDir: string, timeoutMs: number): Promise<CheckResult> {
  const name = `clone ${sink}`;
  if (!fs.existsSync(gitDir)) return ok(name, `${gitDir} not made yet (the first delivery makes it)`);
  let lock;
  try {
    lock = await acquireLock(`${gitDir}.lock`, { timeoutMs: Math.min(timeoutMs, 5000), what: `the presence clone ${path.basename(gitDir)}` });
  } catch (error) {
    if (error instanceof NodegridError && error.code === 'E_LOCKED') return ok(name, `${gitDir} is in use by a delivery right now; not looked at (run doctor again to check it)`);
    throw error;
  }
  try {
    const stale = findStaleLocks(gitDir);
    if (stale.length > 0) {
      const names = stale.map((file) => path.relative(gitDir, file)).join(', ');
      return problem(name, `stale git lock or temporary files left by a killed git in ${gitDir}: ${names}`, `the next delivery removes them (nodegrid outbox flush), or remove them by hand: rm -r ${stale.join(' ')}`);
    }
    const damage = await checkCloneIntegrity(gitDir, timeoutMs);
    if (damage !== undefined) {
      return problem(name, `${gitDir} is damaged: ${damage}`, `the next delivery sets a damaged clone aside and makes a new one (nodegrid outbox flush); or remove it: rm -r ${gitDir}`);
    }
    return ok(name, `${gitDir}: no stale locks, objects intact`);
  } finally {
    await lock.release();
  }
}
