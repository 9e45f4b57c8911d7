// Named imports, as in the launcher that loads this file: no interop copy of fs and path at start.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Files nodegrid keeps for itself and trusts on the next start (the launcher's
 * compiled code, the validated config): what a later run reads back as its own
 * must be its own. Read only when this user owns it and nobody else can read
 * or write it; written whole (a rename) with mode 0600 in a 0700 folder.
 * Node's fs only, and no other module of ours: the launcher loads this file
 * before the program.
 */
export function readPrivateFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    if (!ours || !stat.isFile() || (stat.mode & 0o077) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** false when it could not be written (a read-only or full home): the caller goes on without. */
export function writePrivateFile(file: string, data: string | Buffer): boolean {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // 'wx': a file left by a killed run of the same pid is not written through with its old mode.
    rmSync(partial, { force: true });
    writeFileSync(partial, data, { mode: 0o600, flag: 'wx' });
    renameSync(partial, file);
    return true;
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      /* nothing was written, or the folder cannot be changed at all */
    }
    return false;
  }
}
