import type { ObjectReader } from './object-reader';
import { isTreeEntry, parseTree, type GitObject, type TreeEntry } from './objects';
import type { TreeReader } from './tree-edit';

/**
 * Trees read once per delivery through its cat-file, each parsed once: a
 * presence tip's `it/presence/all` holds one entry per node and every path
 * lookup of a delivery walks through it.
 */
export class TreeCache implements TreeReader {
  private readonly bodies = new Map<string, Buffer | undefined>();
  private readonly entries = new Map<string, ReadonlyMap<string, TreeEntry>>();

  constructor(private readonly reader: ObjectReader) {}

  async readTree(sha: string): Promise<Buffer | undefined> {
    if (this.bodies.has(sha)) return this.bodies.get(sha);
    const object = await this.reader.read(sha);
    const body = object?.type === 'tree' ? object.body : undefined;
    this.bodies.set(sha, body);
    return body;
  }

  /** Trees made in-process (not written to the clone yet) are read from here. */
  remember(objects: readonly GitObject[]): void {
    for (const object of objects) if (object.type === 'tree') this.bodies.set(object.sha, object.body);
  }

  /** The blob at `path` under `root`, or undefined when something else or nothing stands there. */
  async blobAt(root: string | undefined, path: string): Promise<string | undefined> {
    let sha = root;
    const parts = path.split('/');
    for (const [i, part] of parts.entries()) {
      if (sha === undefined) return undefined;
      const entry = (await this.entriesOf(sha))?.get(part);
      if (!entry || isTreeEntry(entry) !== i < parts.length - 1) return undefined;
      sha = entry.sha;
    }
    return sha;
  }

  /** Every file under `root` (a small tree, such as a staged commit's), at most `limit` of them. */
  async filesUnder(root: string, limit: number): Promise<Array<{ path: string; blob: string }>> {
    const out: Array<{ path: string; blob: string }> = [];
    const walk = async (sha: string, prefix: string, depth: number): Promise<void> => {
      const body = await this.readTree(sha);
      if (!body || depth > 16) return;
      for (const entry of parseTree(body)) {
        if (out.length >= limit) return;
        const name = `${prefix}${entry.name.toString('utf8')}`;
        if (isTreeEntry(entry)) await walk(entry.sha, `${name}/`, depth + 1);
        else out.push({ path: name, blob: entry.sha });
      }
    };
    await walk(root, '', 0);
    return out;
  }

  private async entriesOf(sha: string): Promise<ReadonlyMap<string, TreeEntry> | undefined> {
    const known = this.entries.get(sha);
    if (known) return known;
    const body = await this.readTree(sha);
    if (!body) return undefined;
    // The first of two same-named entries wins, as the old linear find did.
    const byName = new Map<string, TreeEntry>();
    for (const entry of parseTree(body)) {
      const name = entry.name.toString('utf8');
      if (!byName.has(name)) byName.set(name, entry);
    }
    this.entries.set(sha, byName);
    return byName;
  }
}
