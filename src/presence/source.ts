import fs from 'node:fs';
import path from 'node:path';
import { MAX_DOCUMENT_BYTES } from './format';
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
  /** Every entry under the given folder paths (recursive), or the entry a path names; a missing path lists nothing. */
  list(prefixes: readonly string[]): Promise<SourceEntry[]>;
  /**
   * The contents of regular files, by path; files that vanished are left out.
   * Never reads a file over MAX_DOCUMENT_BYTES whole: it comes back cut just
   * past the bound (a folder, a bucket) or is left out (git cannot read part
   * of an object). Readers that must say why look at list()'s size.
   */
  readMany(paths: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * Where it saves a copy per file (a folder): readMany's contents handed to
   * `visit` one by one, in order, as they are read, undefined for a file that
   * could not be read. The bytes are only valid during the call. Readers use
   * readEach() below, which falls back to readMany.
   */
  readEach?(paths: readonly string[], visit: (path: string, bytes: Buffer | undefined) => void): Promise<void>;
}

/** Each file's contents in turn (see PresenceSource.readEach); a source without readEach is read with readMany. */
export async function readEach(source: PresenceSource, paths: readonly string[], visit: (path: string, bytes: Buffer | undefined) => void): Promise<void> {
  if (source.readEach) return source.readEach(paths, visit);
  const contents = await source.readMany(paths);
  for (const path of paths) visit(path, contents.get(path));
}

export function folderSource(root: string): PresenceSource {
  return {
    description: root,
    async list(prefixes) {
      const out: SourceEntry[] = [];
      for (const prefix of prefixes) {
        const parts = prefix.split('/');
        if (!componentsAreFolders(root, parts.slice(0, -1))) continue;
        const start = path.join(root, ...parts);
        let stat: fs.Stats;
        try {
          stat = fs.lstatSync(start);
        } catch {
          continue;
        }
        if (stat.isDirectory()) walk(start, prefix, out);
        else out.push({ path: prefix, kind: stat.isSymbolicLink() ? 'symlink' : stat.isFile() ? 'file' : 'other', size: stat.size });
      }
      return out;
    },
    async readMany(paths) {
      const out = new Map<string, Buffer>();
      readFilesOnce(root, paths, (rel, bytes) => {
        if (bytes !== undefined) out.set(rel, Buffer.from(bytes));
      });
      return out;
    },
    async readEach(paths, visit) {
      readFilesOnce(root, paths, visit);
    },
  };
}

/**
 * Reads files under root into one buffer, one byte over the document limit: an
 * oversized file is seen as such without reading all of it, and without a stat
 * per file (10,000 nodes). `visit` gets a view of that buffer, valid until the
 * next file.
 */
function readFilesOnce(root: string, paths: readonly string[], visit: (path: string, bytes: Buffer | undefined) => void): void {
  const buffer = Buffer.allocUnsafe(READ_LIMIT + 1);
  for (const rel of paths) {
    let length: number;
    try {
      // O_NOFOLLOW: a file swapped for a symlink after listing is still not followed.
      // Plain concatenation: rel comes from our own listing, and path.join per file shows in profiles.
      const fd = fs.openSync(`${root}/${rel}`, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        // A regular file returns all it has (up to the request) in one read; a short
        // read is its end. Only a full buffer needs asking again, and then it is oversized.
        length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      visit(rel, undefined); // vanished or replaced: the reader reports it as unreadable
      continue;
    }
    visit(rel, buffer.subarray(0, length));
  }
}

/** A place with nothing in it yet: a branch no node has pushed. */
export function emptySource(description: string): PresenceSource {
  return { description, list: async () => [], readMany: async () => new Map() };
}

/** Every folder on the way is a real folder, not a symlink to somewhere else. */
function componentsAreFolders(root: string, parts: readonly string[]): boolean {
  let current = root;
  for (const part of parts) {
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
    const relPath = `${rel}/${entry.name}`;
    // The full path only for folders: a beat minute lists thousands of files.
    if (entry.isDirectory()) walk(`${dir}/${entry.name}`, relPath, out);
    else if (entry.isSymbolicLink()) out.push({ path: relPath, kind: 'symlink', size: 0 });
    // The size is learnt when reading (bounded), not with a stat per file.
    else if (entry.isFile()) out.push({ path: relPath, kind: 'file', size: 0 });
    else out.push({ path: relPath, kind: 'other', size: 0 });
  }
}

/** Readers refuse documents over the bound; folder reads stop just past it. */
const READ_LIMIT = MAX_DOCUMENT_BYTES;

export interface GitSourceOptions {
  readonly timeoutMs?: number | undefined;
  readonly secrets?: readonly string[] | undefined;
}

/** A ref (branch, tag, commit) of a git repository, read with ls-tree and one cat-file --batch. */
export function gitSource(gitDir: string, ref: string, options: GitSourceOptions = {}): PresenceSource {
  const gitOptions = (input?: string): GitOptions => ({ gitDir, timeoutMs: options.timeoutMs ?? 60_000, secrets: options.secrets, input });
  const listTree = async (args: readonly string[], prefixes: readonly string[]): Promise<TreeEntry[]> =>
    prefixes.length === 0 ? [] : parseTree(await git(['ls-tree', ...args, '-l', '-z', '--full-tree', ref, '--', ...prefixes], gitOptions()));
  return {
    description: `${gitDir} (${ref})`,
    async list(prefixes) {
      return (await listTree(['-r'], prefixes)).map(({ path, kind, size }) => ({ path, kind, size }));
    },
    async readMany(paths) {
      // The folders' listings give each blob's size and name: oversized blobs are never asked
      // for, and cat-file looks objects up by name (a "ref:path" spec walks the tree each time).
      const folders = [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/') + 1) || '.'))];
      const blobs = new Map((await listTree([], folders)).map((entry) => [entry.path, entry]));
      const wanted = paths.filter((p) => {
        const entry = blobs.get(p);
        return entry?.kind === 'file' && entry.size <= MAX_DOCUMENT_BYTES;
      });
      return catFileBatch(gitDir, wanted.map((p) => blobs.get(p)!.object), wanted, options);
    },
  };
}

interface TreeEntry extends SourceEntry {
  readonly object: string;
}

/** `ls-tree -l -z` lines: "<mode> <type> <object> <size>\t<path>". */
function parseTree(stdout: string): TreeEntry[] {
  return stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, , object, size] = line.slice(0, tab).split(/\s+/);
      const kind: EntryKind = mode === '120000' ? 'symlink' : mode === '100644' || mode === '100755' ? 'file' : 'other';
      return { path: line.slice(tab + 1), kind, size: Number(size) || 0, object: object ?? '' };
    });
}

/** Type and size of many objects in one git process, without reading them; specs that name nothing are left out. */
export async function objectSizes(gitDir: string, specs: readonly string[], options: GitSourceOptions = {}): Promise<Map<string, { type: string; size: number }>> {
  const out = new Map<string, { type: string; size: number }>();
  if (specs.length === 0) return out;
  const stdout = await git(['cat-file', '--batch-check=%(objecttype) %(objectsize)'], { gitDir, timeoutMs: options.timeoutMs ?? 60_000, secrets: options.secrets, input: `${specs.join('\n')}\n` });
  stdout.split('\n').slice(0, specs.length).forEach((line, i) => {
    const match = /^(\w+) (\d+)$/.exec(line);
    if (match) out.set(specs[i]!, { type: match[1]!, size: Number(match[2]) });
  });
  return out;
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
