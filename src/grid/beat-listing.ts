import fs from 'node:fs';
import path from 'node:path';
import type { PresenceSource, SourceEntry } from './presence-source';

/**
 * Heartbeat folders of a presence folder, listed without a stat per file: a
 * beat's presence is its name, never its size or content, and a 10,000-node
 * grid has three files per node per minute of lookback. Symlinks and other
 * non-files are reported by kind (from the directory entry) so the heartbeat
 * reader ignores them exactly as it does with the full folder source.
 */
export function beatListingSource(root: string, base: PresenceSource): PresenceSource {
  return {
    description: base.description,
    async list(prefixes) {
      const out: SourceEntry[] = [];
      for (const prefix of prefixes) {
        if (!isRealFolderPath(root, prefix)) continue;
        walk(path.join(root, ...prefix.split('/')), prefix, out);
      }
      return out;
    },
    readMany: (paths) => base.readMany(paths),
  };
}

function isRealFolderPath(root: string, prefix: string): boolean {
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
    const relPath = `${rel}/${entry.name}`;
    if (entry.isDirectory()) walk(path.join(dir, entry.name), relPath, out);
    else out.push({ path: relPath, kind: entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other', size: 0 });
  }
}
