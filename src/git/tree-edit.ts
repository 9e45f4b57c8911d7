import { compareTreeEntries, FILE_MODE, formatTree, isTreeEntry, makeObject, parseTree, TREE_MODE, type GitObject, type TreeEntry } from './objects';

/**
 * A new tree from an old one with some files set, changing only the trees on
 * the way to those files. Every other entry is carried byte for byte, so an
 * entry a node did not write (a "..", a symlink, a gitlink, a 50 MB file, a
 * name that is not UTF-8) never stops a writer the way `git read-tree` did.
 */
export interface TreeReader {
  /** The body of tree `sha`, or undefined when it is missing or not a tree. */
  readTree(sha: string): Promise<Buffer | undefined>;
}

export interface FileToSet {
  /** "it/presence/all/i-4e7cb59a.json" */
  readonly path: string;
  readonly blob: string;
}

export interface EditedTree {
  readonly sha: string;
  /** New tree objects to write (the blobs are the caller's). */
  readonly objects: readonly GitObject[];
  /** "it/presence: a symlink was replaced by a folder": what had to give way. */
  readonly replaced: readonly string[];
}

interface PathNode {
  /** name → blob to set, or null to remove the entry. */
  readonly files: Map<string, string | null>;
  readonly folders: Map<string, PathNode>;
}

/**
 * `removals` are paths whose entries go (a forgotten node's document); a
 * folder left empty goes with them, since git keeps no empty trees. A path
 * that is not there is no error: removing it twice is removing it once.
 */
export async function setFiles(reader: TreeReader, rootTree: string | undefined, files: readonly FileToSet[], removals: readonly string[] = []): Promise<EditedTree> {
  const root: PathNode = { files: new Map(), folders: new Map() };
  const place = (filePath: string, blob: string | null): void => {
    const parts = filePath.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.folders.get(part);
      if (!next) node.folders.set(part, (next = { files: new Map(), folders: new Map() }));
      node = next;
    }
    node.files.set(parts.at(-1)!, blob);
  };
  for (const file of files) place(file.path, file.blob);
  for (const removed of removals) place(removed, null);
  const objects: GitObject[] = [];
  const replaced: string[] = [];
  const sha = await editTree(reader, rootTree, root, '', objects, replaced);
  return { sha, objects, replaced };
}

async function editTree(reader: TreeReader, sha: string | undefined, wanted: PathNode, where: string, objects: GitObject[], replaced: string[]): Promise<string> {
  const body = sha === undefined ? undefined : await reader.readTree(sha);
  let entries: TreeEntry[] = body ? parseTree(body) : [];
  for (const [name, folder] of wanted.folders) {
    const key = Buffer.from(name, 'utf8');
    const existing = entries.find((entry) => entry.name.equals(key));
    if (existing && !isTreeEntry(existing)) replaced.push(`${where}${name}: ${describeMode(existing.mode)} replaced by a folder`);
    const inner = await editTree(reader, existing && isTreeEntry(existing) ? existing.sha : undefined, folder, `${where}${name}/`, objects, replaced);
    entries = inner === EMPTY_TREE ? entries.filter((entry) => !entry.name.equals(key)) : put(entries, { mode: TREE_MODE, name: key, sha: inner });
  }
  for (const [name, blob] of wanted.files) {
    const key = Buffer.from(name, 'utf8');
    if (blob === null) {
      entries = entries.filter((entry) => !(entry.name.equals(key) && !isTreeEntry(entry)));
      continue;
    }
    const existing = entries.find((entry) => entry.name.equals(key));
    if (existing && isTreeEntry(existing)) replaced.push(`${where}${name}: a folder replaced by a file`);
    else if (existing && existing.mode !== FILE_MODE && existing.mode !== '100755') replaced.push(`${where}${name}: ${describeMode(existing.mode)} replaced by a file`);
    entries = put(entries, { mode: FILE_MODE, name: key, sha: blob });
  }
  const tree = makeObject('tree', formatTree(entries));
  if (tree.sha !== sha && (entries.length > 0 || where === '')) objects.push(tree);
  return tree.sha;
}

/** The sha of a tree with no entries: a folder whose last file was removed. */
const EMPTY_TREE = makeObject('tree', formatTree([])).sha;

/**
 * Replaces the entry of that name (whatever it was) or inserts the new one at
 * its sorted place, leaving every other entry where it stood, even in a tree
 * that another tool wrote out of order.
 */
function put(entries: readonly TreeEntry[], entry: TreeEntry): TreeEntry[] {
  const out = entries.filter((other) => !other.name.equals(entry.name));
  const isTree = entry.mode === TREE_MODE;
  const at = out.findIndex((other) => compareTreeEntries({ name: other.name, isTree: isTreeEntry(other) }, { name: entry.name, isTree }) > 0);
  out.splice(at < 0 ? out.length : at, 0, entry);
  return out;
}

function describeMode(mode: string): string {
  if (mode === '120000') return 'a symlink';
  if (mode === '160000') return 'a submodule link';
  return 'a file';
}
