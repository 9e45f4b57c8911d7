import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NodegridError } from '../core/errors';
import { formatTimeout } from '../core/time';
import { backoffDelayMs } from './backoff';
import { readTextIfExists, removeFileIfExists } from './files';
import { isProcessAlive } from './pid';
import { sleep } from './sleep';

/**
 * A per-node lock that a SIGKILL cannot leave behind.
 *
 * On Linux it is a socket bound in the abstract namespace: the kernel releases
 * it the instant the holder dies, so there is no stale lock file to recover.
 * Elsewhere it is an O_EXCL file holding the owner's pid, taken over when that
 * process is gone. Either way a `<name>.lock` file names the last holder for people.
 */
export interface Lock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a busy lock; 0 means try once. */
  readonly timeoutMs: number;
  /** Named in the E_LOCKED message: "the state lock". */
  readonly what: string;
}

/** Short waits: a lock is held for one delivery or one record write, and the waiter is often a person. */
const LOCK_BACKOFF = { baseMs: 5, maxMs: 100, jitter: 'equal' } as const;

export async function acquireLock(lockFile: string, options: LockOptions): Promise<Lock> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  const attempt = process.platform === 'linux' ? tryAbstractSocketLock : tryPidFileLock;
  for (let tries = 1; ; tries++) {
    const lock = await attempt(lockFile);
    if (lock) {
      writeHolderNote(lockFile);
      return lock;
    }
    if (Date.now() >= deadline) {
      const holder = readTextIfExists(lockFile)?.trim();
      throw new NodegridError('E_LOCKED', `${options.what} is held by another nodegrid process${holder ? ` (${holder})` : ''}; gave up after ${formatTimeout(options.timeoutMs)}`, {
        hint: 'wait for it to finish, or raise --lock-timeout',
      });
    }
    await sleep(Math.min(backoffDelayMs(tries, LOCK_BACKOFF), Math.max(1, deadline - Date.now())));
  }
}

/**
 * The abstract socket's name: a hash of the lock file's path. Two 64-bit
 * FNV-1a hashes, not node:crypto, which would cost every run ~8 ms to load.
 */
function socketName(lockFile: string): string {
  const text = path.resolve(lockFile);
  return `\0nodegrid-lock-${fnv1a64(text, 0xcbf29ce484222325n)}${fnv1a64(text, 0x84222325cbf29ce4n)}`;
}

function fnv1a64(text: string, seed: bigint): string {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function tryAbstractSocketLock(lockFile: string): Promise<Lock | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen({ path: socketName(lockFile) }, () => {
      resolve({ release: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

async function tryPidFileLock(lockFile: string): Promise<Lock | undefined> {
  const ownerFile = `${lockFile}.owner`;
  try {
    fs.writeFileSync(ownerFile, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = Number(readTextIfExists(ownerFile)?.trim());
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) {
      // Take over from a dead owner: rename is atomic, so only one waiter wins it.
      const grave = `${ownerFile}.${process.pid}.dead`;
      try {
        fs.renameSync(ownerFile, grave);
        removeFileIfExists(grave);
      } catch {
        /* another waiter took it over first */
      }
    }
    return undefined;
  }
  return { release: async () => removeFileIfExists(ownerFile) };
}

function writeHolderNote(lockFile: string): void {
  try {
    fs.writeFileSync(lockFile, `pid ${process.pid} since ${new Date().toISOString()}\n`);
  } catch {
    // The note is for people; the lock itself does not depend on it.
  }
}
