import fs from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './pid';

/**
 * Crash-safe file primitives. A reader (cat, another nodegrid, a SIGKILL at any
 * moment) sees either the old or the new content, never half of it.
 */
export function writeFileAtomic(file: string, content: string, options: { syncDir?: boolean } = {}): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = openNaming(file, () => fs.openSync(tmp, 'wx', 0o644));
  try {
    try {
      writeAll(fd, Buffer.from(content, 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      closeQuietly(fd);
    }
  } catch (error) {
    // A full disk fails the write after the open succeeded: no empty temporary file stays behind.
    removeFileIfExists(tmp);
    throw withPath(error, file);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    removeFileIfExists(tmp);
    throw withPath(error, file);
  }
  // Callers writing several files in one folder sync the folder once at the end.
  if (options.syncDir !== false) syncDirectory(dir);
}

/**
 * One write(2) per append, so an entry is never split by a kill; fsync'd before
 * returning. A write the disk could take only part of is cut back off, so a
 * retry appends the whole entry once.
 */
export function appendDurable(file: string, content: string): void {
  const fd = openNaming(file, () => fs.openSync(file, 'a', 0o644));
  try {
    const sizeBefore = fs.fstatSync(fd).size;
    try {
      writeAll(fd, Buffer.from(content, 'utf8'));
      fs.fsyncSync(fd);
    } catch (error) {
      try {
        fs.ftruncateSync(fd, sizeBefore);
      } catch {
        /* the size check of the roll-forward still sees the difference */
      }
      throw withPath(error, file);
    }
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Full, over quota, or read-only: the file system cannot take a write, whatever
 * nodegrid does. The record tells the user which, and where.
 */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

export function isNoSpaceError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && NO_SPACE_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

/** "no space left", "disk quota exceeded", "read-only file system". */
export function noSpaceReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'EDQUOT') return 'disk quota exceeded';
  if (error.code === 'EROFS') return 'read-only file system';
  return 'no space left';
}

/** write(2) may take part of a buffer when the disk fills; the next call then reports ENOSPC. */
function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
}

function openNaming(file: string, open: () => number): number {
  try {
    return open();
  } catch (error) {
    throw withPath(error, file);
  }
}

/** write(2) errors carry no path ("ENOSPC: no space left on device, write"): name the file meant. */
function withPath(error: unknown, file: string): unknown {
  if (!(error instanceof Error)) return error;
  const errno = error as NodeJS.ErrnoException;
  if (errno.code === undefined) return error;
  if (!error.message.includes(file)) error.message = `${error.message} '${file}'`;
  errno.path = file;
  return error;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already reported by the write, or closed */
  }
}

/** Makes a rename or unlink in `dir` survive a power cut. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * Removes a file, if it is there. What fs.rmSync(file, { force: true }) does
 * for a file, without loading Node's rimraf on its first call (0.4 ms), which
 * every `state set` paid to remove journal/pending.json.
 */
export function removeFileIfExists(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Leftover temporary files of writeFileAtomic (".<name>.<pid>.<random>.tmp")
 * from a killed writer; harmless, removed when seen. In a folder shared with
 * other programs, `of` limits the cleanup to the temporary files of that one
 * file name, so nobody else's dot-files are touched.
 */
export function removeStaleTempFiles(dir: string, of?: string): void {
  const prefix = of === undefined ? '.' : `.${of}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // a missing folder has nothing left over; the write that follows reports it
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      const pid = Number(name.split('.').at(-3));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid)) removeFileIfExists(path.join(dir, name));
    }
  }
}
