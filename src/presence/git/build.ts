import { MAX_DOCUMENT_BYTES } from '../format';
import type { ObjectReader } from '../../git/object-reader';
import { commitTree, EMPTY_TREE, formatCommit, isTreeEntry, makeObject, parseTree, writeLooseObject, type GitObject } from '../../git/objects';
import { setFiles, type TreeReader } from '../../git/tree-edit';
import type { PlannedRun } from './plan';

/**
 * Builds the planned commits on top of the remote's tip, in-process: blobs,
 * the trees on the way to the node's own files, and commits are computed here
 * and written as loose objects; only reading the tip's trees goes through git
 * (one cat-file for the whole delivery). No index, no merge, no rebase. A node
 * only ever writes its own files, so "re-applying our change on the new tip"
 * is exactly rebuilding these commits there, and history stays linear; every
 * entry the node did not write is carried along untouched.
 */
export interface Author {
  readonly name: string;
  readonly email: string;
}

export interface BuiltCommits {
  /** The new head to push, or undefined when the tip already has everything. */
  readonly head: string | undefined;
  readonly made: number;
  /** Entries of the tip that had to give way to the node's own paths (named once in the log). */
  readonly replaced: readonly string[];
}

export interface BuildOptions {
  readonly author: Author;
  /**
   * Look for redelivered state changes: a push that landed just as its time ran
   * out (or before a kill) leaves its events queued. Every attempt looks, since
   * each rebuilds the whole run on a new tip (one tree walk and one small blob).
   */
  readonly checkRedelivery: boolean;
  /** Seconds since the epoch for the commits (a parameter, so tests can pin it). */
  readonly time?: number | undefined;
}

export interface Tip {
  readonly commit: string;
  readonly tree: string;
}

export async function buildCommits(gitDir: string, reader: ObjectReader, tip: Tip | undefined, run: PlannedRun, options: BuildOptions): Promise<BuiltCommits> {
  // Trees made by an earlier commit of this run are not written yet: they are read from here.
  const madeTrees = new Map<string, Buffer>();
  const trees = treeReader(reader, madeTrees);
  const author = safeSignature(options.author);
  const time = options.time ?? Date.now() / 1000;
  const toWrite: GitObject[] = [];
  const replaced = new Set<string>();
  let parent = tip?.commit;
  let parentTree = tip?.tree ?? EMPTY_TREE;
  let made = 0;
  for (const commit of run.commits) {
    // A redelivered state change (pushed, then killed before the outbox heard) is already there.
    if (options.checkRedelivery && made === 0 && commit.statelog !== undefined && (await documentCarries(reader, parentTree, commit.files[0]!.path, commit.statelog))) continue;
    const blobs = commit.files.map((file) => makeObject('blob', file.content));
    toWrite.push(...blobs);
    const edited = await setFiles(trees, parentTree === EMPTY_TREE ? undefined : parentTree, commit.files.map((file, i) => ({ path: file.path, blob: blobs[i]!.sha })));
    for (const note of edited.replaced) replaced.add(note);
    if (edited.sha === parentTree) continue;
    toWrite.push(...edited.objects);
    const object = makeObject('commit', formatCommit({ tree: edited.sha, parent, author, time, message: commit.message }));
    toWrite.push(object);
    for (const tree of edited.objects) madeTrees.set(tree.sha, tree.body);
    parent = object.sha;
    parentTree = edited.sha;
    made++;
  }
  for (const object of toWrite) writeLooseObject(gitDir, object);
  return { head: made > 0 ? parent : undefined, made, replaced: [...replaced] };
}

function treeReader(reader: ObjectReader, madeTrees: ReadonlyMap<string, Buffer>): TreeReader {
  return {
    async readTree(sha) {
      const made = madeTrees.get(sha);
      if (made) return made;
      const object = await reader.read(sha);
      return object?.type === 'tree' ? object.body : undefined;
    },
  };
}

/** The tip's commit and tree, read through cat-file. */
export async function readTip(reader: ObjectReader, commit: string): Promise<Tip | undefined> {
  const object = await reader.read(commit);
  if (object?.type !== 'commit' || !object.body) return undefined;
  const tree = commitTree(object.body);
  return tree ? { commit: object.sha, tree } : undefined;
}

/** Whether the document at `file` already has this statelog or a newer one that extends it. */
async function documentCarries(reader: ObjectReader, rootTree: string, file: string, statelog: string): Promise<boolean> {
  if (statelog === '' || rootTree === EMPTY_TREE) return false;
  let sha = rootTree;
  const parts = file.split('/');
  for (const [i, part] of parts.entries()) {
    const tree = await reader.read(sha);
    if (tree?.type !== 'tree' || !tree.body) return false;
    const entry = parseTree(tree.body).find((candidate) => candidate.name.toString('utf8') === part);
    if (!entry || isTreeEntry(entry) !== i < parts.length - 1) return false;
    sha = entry.sha;
  }
  const blob = await reader.read(sha, MAX_DOCUMENT_BYTES);
  if (blob?.type !== 'blob' || !blob.body) return false;
  try {
    const remote = (JSON.parse(blob.body.toString('utf8')) as { value?: { statelog?: unknown } }).value?.statelog;
    return typeof remote === 'string' && remote.startsWith(statelog);
  } catch {
    return false;
  }
}

/** git refuses "<", ">" and newlines in a name or an email: they would break the commit header. */
function safeSignature(author: Author): Author {
  const clean = (text: string, fallback: string): string => text.replace(/[<>\n\r\0]/g, '').trim() || fallback;
  return { name: clean(author.name, 'nodegrid'), email: clean(author.email, 'nodegrid') };
}
