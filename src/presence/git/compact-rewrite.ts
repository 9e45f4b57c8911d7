import fs from 'node:fs';
import path from 'node:path';
import type { Author } from './tip';
import { gitIn, runGitIn, type Repo } from './clone';
import { readRawCommits, type RawCommit } from './compact-history';
import { compactionMessage, unitTime, type CompactionPlan, type PlanUnit } from './compact-plan';

/**
 * Writes the planned history with one `git fast-import`: a squashed day is a
 * commit with its last commit's tree; a kept commit whose parent changed is
 * re-created byte for byte (author, committer, dates, time zones, message)
 * on its new parent. Commits before the first change are reused as they are,
 * so a day compacted by an earlier run keeps its id.
 */

/** Holds the commits being written, so nothing (a fetch's auto gc) prunes them before the push. */
export const WORK_REF = 'refs/nodegrid/compact';

export interface RewriteOptions {
  /** Author and committer of the squashed days' commits. */
  readonly author: Author;
  /**
   * Commits written by an earlier attempt of the same run, by unitKey(): after
   * a lost race only the beats pushed meanwhile need writing.
   */
  readonly written: Map<string, string>;
}

export interface Rewritten {
  readonly tip: string;
  /** Commits this call wrote (the rest were reused). */
  readonly wrote: number;
}

export async function rewriteHistory(repo: Repo, plan: CompactionPlan, options: RewriteOptions): Promise<Rewritten> {
  const { units } = plan;
  // Reuse the longest prefix that is unchanged (same parent) or written already.
  let parent: string | undefined;
  let originalParent: string | undefined;
  let first = 0;
  for (; first < units.length; first++) {
    const unit = units[first]!;
    const reused = unit.commits.length === 1 && parent === originalParent ? unit.commits[0]!.sha : options.written.get(unitKey(parent, unit));
    if (reused === undefined) break;
    parent = reused;
    originalParent = unit.commits.at(-1)!.sha;
  }
  if (first === units.length) return { tip: parent!, wrote: 0 };

  const rest = units.slice(first);
  const raw = await readRawCommits(repo, rest.filter((unit) => unit.commits.length === 1).map((unit) => unit.commits[0]!.sha));
  const chunks: Buffer[] = [Buffer.from('feature done\n')];
  let from = parent;
  rest.forEach((unit, i) => {
    chunks.push(unit.commits.length === 1 ? keptCommit(unit, raw.get(unit.commits[0]!.sha)!, i + 1, from) : squashedCommit(unit, options.author, i + 1, from));
    from = `:${i + 1}`;
  });
  chunks.push(Buffer.from('done\n'));

  const marksFile = path.join(repo.gitDir, `nodegrid-compact-marks-${process.pid}`);
  try {
    await gitIn(repo, ['update-ref', '-d', WORK_REF]);
    await gitIn(repo, ['fast-import', '--quiet', '--force', '--date-format=raw', `--export-marks=${marksFile}`], { input: Buffer.concat(chunks) });
    const marks = readMarks(marksFile);
    let tip = parent;
    rest.forEach((unit, i) => {
      const sha = marks.get(i + 1);
      if (sha === undefined) throw new Error(`git fast-import wrote no commit for mark :${i + 1}`);
      options.written.set(unitKey(tip, unit), sha);
      tip = sha;
    });
    return { tip: tip!, wrote: rest.length };
  } finally {
    fs.rmSync(marksFile, { force: true });
  }
}

/** What a written commit depends on: its new parent and the original commits it replaces. */
function unitKey(parent: string | undefined, unit: PlanUnit): string {
  return `${parent ?? 'root'} ${unit.commits[0]!.sha} ${unit.commits.at(-1)!.sha} ${unit.commits.length}`;
}

function squashedCommit(unit: PlanUnit, author: Author, mark: number, from: string | undefined): Buffer {
  const beats = unit.commits.reduce((sum, commit) => sum + (commit.compacted ?? 1), 0);
  // Dated by its latest commit: inside its day and before the cutoff, so the next run sees it as that day's one commit.
  const who = `${identityPart(author.name)} <${identityPart(author.email)}> ${unitTime(unit)} +0000`;
  const message = Buffer.from(`${compactionMessage(unit.day!, beats)}\n`);
  return Buffer.concat([
    Buffer.from(`commit ${WORK_REF}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\ndata ${message.length}\n`),
    message,
    Buffer.from(`\n${from ? `from ${from}\n` : ''}M 040000 ${unit.commits.at(-1)!.tree} ""\n\n`),
  ]);
}

function keptCommit(unit: PlanUnit, raw: RawCommit, mark: number, from: string | undefined): Buffer {
  const head = [`commit ${WORK_REF}`, `mark :${mark}`, `author ${raw.author}`, `committer ${raw.committer}`];
  if (raw.encoding !== undefined) head.push(`encoding ${raw.encoding}`);
  const tail = [...(from ? [`from ${from}`] : []), ...raw.otherParents.map((sha) => `merge ${sha}`), `M 040000 ${unit.commits[0]!.tree} ""`];
  return Buffer.concat([
    Buffer.from(`${head.join('\n')}\ndata ${raw.message.length}\n`, 'latin1'),
    raw.message,
    Buffer.from(`\n${tail.join('\n')}\n\n`),
  ]);
}

/** A name or email from config, made safe for a commit header (and for fast-import's line protocol). */
function identityPart(text: string): string {
  return text.replace(/[<>\u0000-\u001f\u007f]/g, '').trim() || 'nodegrid';
}

function readMarks(file: string): Map<number, string> {
  const marks = new Map<number, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^:(\d+) ([0-9a-f]+)$/.exec(line);
    if (match) marks.set(Number(match[1]), match[2]!);
  }
  return marks;
}

/** Deletes the work ref: after a push (or a failure) the written commits need no protection. */
export async function dropWorkRef(repo: Repo): Promise<void> {
  await runGitIn(repo, ['update-ref', '-d', WORK_REF]);
}
