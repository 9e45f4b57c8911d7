import { isValidInstanceId } from '../../core/ids';
import type { ObjectReader } from '../../git/object-reader';
import { makeObject, type GitObject } from '../../git/objects';
import type { TreeCache } from '../../git/tree-cache';
import { setFiles, type FileToSet } from '../../git/tree-edit';
import { MAX_DOCUMENT_BYTES, parsePresencePath } from '../format';
import { statelogOfBlob } from './tip';

/**
 * Folding staged changes into the shared branch, in-process.
 *
 * Each node pushes its changes first to a ref of its own
 * (refs/nodegrid/staged/<branch>/<id>, see staging.ts), which never conflicts.
 * Whoever pushes the branch next replays every staged change the branch does
 * not carry yet, its own and other nodes', as one commit per change with the
 * change's own author, time and message. So when twenty nodes push at once,
 * the one that wins carries the other nineteen, and a loser finds its change
 * already there on its next fetch instead of queueing behind every other node.
 *
 * A staged commit's tree holds exactly the files of its change. A change is
 * carried when every one of its files is on the branch with the same blob;
 * walking a chain from its tip, the first carried change ends the walk, since
 * changes are folded in order.
 */
export interface StagedChange {
  readonly id: string;
  readonly commit: string;
  /** Seconds since the epoch, from the committer line: the order of the replay. */
  readonly time: number;
  readonly files: readonly FileToSet[];
  readonly author: string;
  readonly committer: string;
  readonly message: string;
}

export interface StagedChain {
  /** Oldest first: the changes of this node the branch does not carry yet. */
  readonly changes: readonly StagedChange[];
  /**
   * False when the walk stopped at a commit this clone does not have (the fetch
   * is shallow) before reaching a carried change or the chain's root: older
   * uncarried changes may exist, so only the node itself folds this chain.
   */
  readonly complete: boolean;
  /** Paths in the staged commits that are not this node's to write, left out. */
  readonly ignored: readonly string[];
}

/** How far back a chain is walked: a node stages again only after its last change was carried, so chains stay short. */
const MAX_CHAIN = 64;

interface ParsedCommit {
  readonly tree: string;
  readonly parent: string | undefined;
  readonly author: string;
  readonly committer: string;
  readonly message: string;
  readonly time: number;
}

export function parseCommit(body: Buffer): ParsedCommit | undefined {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  const header = split < 0 ? text : text.slice(0, split);
  const fields = new Map<string, string>();
  for (const line of header.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && !fields.has(line.slice(0, space))) fields.set(line.slice(0, space), line.slice(space + 1));
  }
  const tree = fields.get('tree');
  const author = fields.get('author');
  const committer = fields.get('committer');
  if (!tree || !/^[0-9a-f]{40}$/.test(tree) || !author || !committer) return undefined;
  const time = Number(/ (\d+) [+-]\d{4}$/.exec(committer)?.[1] ?? NaN);
  return { tree, parent: fields.get('parent'), author, committer, message: split < 0 ? '' : text.slice(split + 2), time: Number.isFinite(time) ? time : 0 };
}

/**
 * Whether the branch already has every file of the change: the same blob, or,
 * for the node's current document, a later one of the same node (its statelog
 * extends the change's). A staged ref fetched a moment before its node's
 * next change reached the branch (git updates a push's refs one by one) still
 * ends in the older change; replaying it would take the node back a state on
 * the branch and record the change twice.
 */
export async function carries(reader: ObjectReader, trees: TreeCache, branchTree: string | undefined, files: readonly FileToSet[]): Promise<boolean> {
  for (const file of files) {
    const onBranch = await trees.blobAt(branchTree, file.path);
    if (onBranch === file.blob) continue;
    if (onBranch === undefined || parsePresencePath(file.path)?.kind !== 'current' || !(await supersedes(reader, onBranch, file.blob))) return false;
  }
  return true;
}

/** A strictly longer statelog that starts with the other's: a later state of the same life (a re-init starts a new statelog, and is not). */
async function supersedes(reader: ObjectReader, newer: string, older: string): Promise<boolean> {
  const [newerLog, olderLog] = await Promise.all([statelogOfBlob(reader, newer), statelogOfBlob(reader, older)]);
  return newerLog !== undefined && olderLog !== undefined && olderLog !== '' && newerLog.length > olderLog.length && newerLog.startsWith(olderLog);
}

/**
 * The changes of one node's staged chain the branch does not carry yet. Only
 * the node's own paths are taken (its current document and its flattime
 * beats) and only documents within the size bound: a staged ref is written by
 * one node, but any node with push access can write one.
 */
export async function readChain(reader: ObjectReader, trees: TreeCache, id: string, tip: string, branchTree: string | undefined): Promise<StagedChain> {
  const changes: StagedChange[] = [];
  const ignored: string[] = [];
  if (!isValidInstanceId(id)) return { changes, complete: true, ignored: [`the staged ref of ${JSON.stringify(id.slice(0, 40))}: not a valid node id`] };
  let sha: string | undefined = tip;
  for (let depth = 0; sha !== undefined; depth++) {
    if (depth >= MAX_CHAIN) return { changes, complete: false, ignored };
    const object = await reader.read(sha);
    if (object?.type !== 'commit' || !object.body) return { changes, complete: false, ignored };
    const commit = parseCommit(object.body);
    if (!commit) return { changes, complete: false, ignored };
    const files: FileToSet[] = [];
    for (const file of await trees.filesUnder(commit.tree, 256)) {
      if (parsePresencePath(file.path)?.id !== id) {
        ignored.push(`${file.path} in ${sha.slice(0, 12)}`);
        continue;
      }
      const blob = await reader.read(file.blob, MAX_DOCUMENT_BYTES);
      if (blob?.type !== 'blob' || blob.body === undefined) {
        ignored.push(`${file.path} in ${sha.slice(0, 12)} (larger than ${MAX_DOCUMENT_BYTES} bytes or missing)`);
        continue;
      }
      files.push({ path: file.path, blob: file.blob });
    }
    if (await carries(reader, trees, branchTree, files)) return { changes, complete: true, ignored };
    changes.unshift({ id, commit: sha, time: commit.time, files, author: commit.author, committer: commit.committer, message: commit.message });
    sha = commit.parent;
  }
  return { changes, complete: true, ignored };
}

export interface Folded {
  /** The new head, or undefined when the branch already carries every change. */
  readonly head: string | undefined;
  readonly tree: string | undefined;
  readonly objects: readonly GitObject[];
  /** Commits made, and of how many nodes. */
  readonly made: number;
  readonly nodes: number;
  readonly replaced: readonly string[];
}

/**
 * Replays the changes on the branch's tip in time order (each chain in its
 * own order), one commit per change. The commits copy the staged commit's
 * author and committer lines, so two nodes folding the same changes on the
 * same tip make the same commits, and the slower push finds them there.
 */
export async function foldChanges(trees: TreeCache, tip: { commit: string; tree: string } | undefined, chains: ReadonlyArray<readonly StagedChange[]>): Promise<Folded> {
  const queue = mergeByTime(chains);
  const objects: GitObject[] = [];
  const replaced = new Set<string>();
  const nodes = new Set<string>();
  let parent = tip?.commit;
  let tree = tip?.tree;
  let made = 0;
  for (const change of queue) {
    const edited = await setFiles(trees, tree, change.files);
    for (const note of edited.replaced) replaced.add(note);
    if (edited.sha === tree || change.files.length === 0) continue;
    trees.remember(edited.objects);
    objects.push(...edited.objects);
    const body = `tree ${edited.sha}\n${parent ? `parent ${parent}\n` : ''}author ${change.author}\ncommitter ${change.committer}\n\n${change.message}`;
    const commit = makeObject('commit', body);
    objects.push(commit);
    parent = commit.sha;
    tree = edited.sha;
    nodes.add(change.id);
    made++;
  }
  return { head: made > 0 ? parent : undefined, tree, objects, made, nodes: nodes.size, replaced: [...replaced] };
}

/** A stable merge of the chains by time: ties keep the chains' own order and then node order. */
function mergeByTime(chains: ReadonlyArray<readonly StagedChange[]>): StagedChange[] {
  const at = chains.map(() => 0);
  const out: StagedChange[] = [];
  for (;;) {
    let best = -1;
    for (const [i, chain] of chains.entries()) {
      const next = chain[at[i]!];
      if (!next) continue;
      const current = best < 0 ? undefined : chains[best]![at[best]!]!;
      if (!current || next.time < current.time || (next.time === current.time && next.id < current.id)) best = i;
    }
    if (best < 0) return out;
    out.push(chains[best]![at[best]!]!);
    at[best] = at[best]! + 1;
  }
}
