import fs from 'node:fs';
import path from 'node:path';
import { git, runGit, type GitOptions } from '../git/run';

/**
 * Where presence documents are read from: a folder (a checkout, a copy) or a
 * ref in a git repository (a bare clone), behind one small interface so the
 * reader does not care which. Nothing here follows a symlink: a hostile
 * document cannot make the reader open /etc/shadow.
 */
export type EntryKind = 'file' | 'symlink' | 'other';

export interface SourceEntry {
  /** Repository-relative, "/"-separated: "it/presence/all/i-1.json". */
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
}

export interface PresenceSource {
  /** For messages: the folder, or "repo (ref)". */
  readonly description: string;
  /**
   * Only where listing costs a request per 1,000 keys (an object store): the
   * names of the folders directly under a folder, without their files. Its
   * presence makes the heartbeat scan go minute by minute, newest first, and
   * stop once every node is found; a folder or git tree lists whole hours at once.
   */
  listFolders?(folder: string): Promise<string[]>;
  /** Every entry under the given folder paths (recursive); a missing folder lists nothing. */
  list(prefixes: readonly string[]): Promise<SourceEntry[]>;
  /** The contents of regular files, by path; files that vanished are left out. */
  readMany(paths: readonly string[]): Promise<Map<string, Buffer>>;
}

export function folderSource(root: string): PresenceSource {
  return {
    description: root,
    async list(prefixes) {
      const out: SourceEntry[] = [];
      for (const prefix of prefixes) {
        const start = path.join(root, ...prefix.split('/'));
        if (!componentsAreFolders(root, prefix)) continue;
        walk(start, prefix, out);
      }
      return out;
    },
    async readMany(paths) {
      const out = new Map<string, Buffer>();
      // One buffer for all reads, one byte over the document limit: an oversized file is
      // seen as such without reading all of it, and without a stat per file (10,000 nodes).
      const buffer = Buffer.allocUnsafe(READ_LIMIT + 1);
      for (const rel of paths) {
        try {
          // O_NOFOLLOW: a file swapped for a symlink after listing is still not followed.
          // Plain concatenation: rel comes from our own listing, and path.join per file shows in profiles.
          const fd = fs.openSync(`${root}/${rel}`, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
          try {
            // A regular file returns all it has (up to the request) in one read; a short
            // read is its end. Only a full buffer needs asking again, and then it is oversized.
            const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
            out.set(rel, Buffer.from(buffer.subarray(0, length)));
          } finally {
            fs.closeSync(fd);
          }
        } catch {
          /* vanished or replaced: the reader reports it as unreadable */
        }
      }
      return out;
    },
  };
}

/** Every folder on the way to `prefix` is a real folder, not a symlink to somewhere else. */
function componentsAreFolders(root: string, prefix: string): boolean {
  let current = root;
  for (const part of prefix.split('/')) {
    current = path.join(current, part);
    try {
      if (!fs.lstatSync(current).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function walk(dir: string, rel: string, out: SourceEntry[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = `${dir}/${entry.name}`;
    const relPath = `${rel}/${entry.name}`;
    if (entry.isDirectory()) walk(full, relPath, out);
    else if (entry.isSymbolicLink()) out.push({ path: relPath, kind: 'symlink', size: 0 });
    // The size is learnt when reading (bounded), not with a stat per file.
    else if (entry.isFile()) out.push({ path: relPath, kind: 'file', size: 0 });
    else out.push({ path: relPath, kind: 'other', size: 0 });
  }
}

/** Readers refuse documents over 64 KB; folder reads stop just past that. */
const READ_LIMIT = 64 * 1024;

export interface GitSourceOptions {
  readonly timeoutMs?: number | undefined;
  readonly secrets?: readonly string[] | undefined;
}

/** A ref (branch, tag, commit) of a git repository, read with ls-tree and one cat-file --batch. */
export function gitSource(gitDir: string, ref: string, options: GitSourceOptions = {}): PresenceSource {
  const gitOptions = (input?: string): GitOptions => ({ gitDir, timeoutMs: options.timeoutMs ?? 60_000, secrets: options.secrets, input });
  return {
    description: `${gitDir} (${ref})`,
    async list(prefixes) {
      if (prefixes.length === 0) return [];
      const stdout = await git(['ls-tree', '-r', '-l', '-z', '--full-tree', ref, '--', ...prefixes], gitOptions());
      return stdout
        .split('\0')
        .filter(Boolean)
        .map((line) => {
          // "<mode> <type> <object> <size>\t<path>"
          const tab = line.indexOf('\t');
          const [mode, , , size] = line.slice(0, tab).split(/\s+/);
          const kind: EntryKind = mode === '120000' ? 'symlink' : mode === '100644' || mode === '100755' ? 'file' : 'other';
          return { path: line.slice(tab + 1), kind, size: Number(size) || 0 };
        });
    },
    async readMany(paths) {
      return catFileBatch(gitDir, paths.map((p) => `${ref}:${p}`), paths, options);
    },
  };
}

/** Reads many objects in one git process: "<spec>\n" in, "<sha> <type> <size>\n<bytes>\n" out. */
export async function catFileBatch(gitDir: string, specs: readonly string[], keys: readonly string[], options: GitSourceOptions = {}): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (specs.length === 0) return out;
  const result = await runGit(['cat-file', '--batch'], { gitDir, timeoutMs: options.timeoutMs ?? 60_000, secrets: options.secrets, input: `${specs.join('\n')}\n` });
  if (result.code !== 0) throw new Error(`git cat-file in ${gitDir} failed: ${result.stderr.trim().slice(0, 300)}`);
  const data = result.stdoutBuffer;
  let offset = 0;
  for (const key of keys) {
    const newline = data.indexOf(0x0a, offset);
    if (newline < 0) break;
    const header = data.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!match) continue; // "<spec> missing"
    const size = Number(match[2]);
    if (match[1] === 'blob') out.set(key, data.subarray(offset, offset + size));
    offset += size + 1;
  }
  return out;
}
