import fs from 'node:fs';
import path from 'node:path';
import { isValidInstanceId } from '../../core/ids';
import { formatCommit, makeObject, type GitObject } from '../../git/objects';
import { setFiles, type TreeReader } from '../../git/tree-edit';
import { safeSignature, type Author } from './tip';
import type { PlannedCommit, PlannedRun } from './plan';

/**
 * A node's staged changes: refs/nodegrid/staged/<branch>/<id> on the remote,
 * written only by that node, so pushing it never loses a race. Its commits
 * hold exactly the files of one change each (see fold.ts for how they reach
 * the branch). The ref is hidden from branch lists on GitHub, GitLab and
 * Gitea; a host that refuses it costs one line in the log and the node
 * delivers straight to the branch, as before staging existed.
 */
const STAGED = 'refs/nodegrid/staged';
/** Where the clone keeps what it fetched of everyone's staged refs. */
const SEEN = 'refs/nodegrid/seen';

export function stagedRef(branch: string, id: string): string {
  return `${STAGED}/${branch}/${id}`;
}

export function seenRef(branch: string, id: string): string {
  return `${SEEN}/${branch}/${id}`;
}

export function stagedRefspec(branch: string): string {
  return `+${STAGED}/${branch}/*:${SEEN}/${branch}/*`;
}

/** Every node's staged tip as last fetched: id → commit. Loose refs first, then packed-refs. */
export function listSeen(gitDir: string, branch: string): Map<string, string> {
  const prefix = `${SEEN}/${branch}/`;
  const seen = new Map<string, string>();
  try {
    for (const line of fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8').split('\n')) {
      const name = line.slice(41 + prefix.length);
      if (/^[0-9a-f]{40} /.test(line) && line.slice(41).startsWith(prefix) && isValidInstanceId(name)) seen.set(name, line.slice(0, 40));
    }
  } catch {
    /* no packed refs */
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(gitDir, prefix));
  } catch {
    /* nothing staged yet */
  }
  for (const name of names) {
    if (!isValidInstanceId(name)) continue;
    try {
      const sha = fs.readFileSync(path.join(gitDir, prefix, name), 'utf8').trim();
      if (/^[0-9a-f]{40}$/.test(sha)) seen.set(name, sha);
    } catch {
      /* a folder or a ref being written */
    }
  }
  return seen;
}

export interface StagedCommits {
  readonly head: string | undefined;
  readonly objects: readonly GitObject[];
  readonly made: number;
}

const NO_TREES: TreeReader = { readTree: () => Promise.resolve(undefined) };

/**
 * The run's commits as staged commits on `parent` (the node's staged tip when
 * it still holds changes the branch lacks, else none: a new root, so chains
 * stay short). `alreadyThere` says a state change was delivered before (a
 * push that landed just before a kill), so it is not staged twice.
 */
export async function buildStaged(
  run: PlannedRun,
  parent: string | undefined,
  author: Author,
  time: number,
  alreadyThere: (commit: PlannedCommit) => Promise<boolean>,
): Promise<StagedCommits> {
  const objects: GitObject[] = [];
  const signature = safeSignature(author);
  let head = parent;
  let made = 0;
  for (const commit of run.commits) {
    if (made === 0 && (await alreadyThere(commit))) continue;
    const blobs = commit.files.map((file) => makeObject('blob', file.content));
    const tree = await setFiles(NO_TREES, undefined, commit.files.map((file, i) => ({ path: file.path, blob: blobs[i]!.sha })));
    const object = makeObject('commit', formatCommit({ tree: tree.sha, parent: head, author: signature, time, message: commit.message }));
    objects.push(...blobs, ...tree.objects, object);
    head = object.sha;
    made++;
  }
  return { head: made > 0 ? head : undefined, objects, made };
}

/**
 * Staged tips this clone has already seen carried by the branch, so a fold
 * reads only the chains that moved since: id → commit, per branch, in one file.
 */
export class CarriedTips {
  private readonly file: string;
  private readonly tips: Record<string, string>;
  private changed = false;

  constructor(gitDir: string, branch: string) {
    this.file = path.join(gitDir, `nodegrid-carried-${Buffer.from(branch).toString('hex')}.json`);
    this.tips = readJson(this.file);
  }

  has(id: string, sha: string): boolean {
    return this.tips[id] === sha;
  }

  add(id: string, sha: string): void {
    if (this.tips[id] === sha) return;
    this.tips[id] = sha;
    this.changed = true;
  }

  save(): void {
    if (!this.changed) return;
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(this.tips));
    fs.renameSync(temp, this.file);
    this.changed = false;
  }
}

function readJson(file: string): Record<string, string> {
  try {
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      return Object.fromEntries(Object.entries(data as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
  } catch {
    /* missing or half-written: start again, it is only a cache */
  }
  return {};
}

/** A host that refused the staged ref: remembered for a day, then staging is tried again. */
const REFUSAL_MEMORY_MS = 24 * 3600 * 1000;

export function stagingRefused(gitDir: string, now: number): boolean {
  try {
    return now - fs.statSync(path.join(gitDir, 'nodegrid-staging-refused')).mtimeMs < REFUSAL_MEMORY_MS;
  } catch {
    return false;
  }
}

export function rememberStagingRefused(gitDir: string): void {
  fs.writeFileSync(path.join(gitDir, 'nodegrid-staging-refused'), `${new Date().toISOString()}\n`);
}
