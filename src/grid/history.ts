import { currentDocumentPath, MAX_DOCUMENT_BYTES } from '../presence/format';
import type { StateLogEntry } from '../core/statelog';
import { git } from '../git/run';
import { loadPresence, parsePresenceDocument, type PresenceRecord } from '../presence/read';
import { catFileBatch, gitSource, objectSizes } from '../presence/source';

/**
 * A node's past, from `git log` of its document: every version with its commit
 * time, and every state it went through, including states that later fell out
 * of the statelog (a node re-initialised, a statelog cut short). Needs a clone
 * with the history (the sink's own clone is shallow).
 */
export interface DocumentVersion {
  readonly commit: string;
  readonly committedAt: Date;
  readonly subject: string;
  /** The document as of this commit; undefined when the commit deleted it or it could not be read. */
  readonly record?: PresenceRecord | undefined;
  readonly deleted: boolean;
  readonly problem?: string | undefined;
}

/**
 * Where the past is kept: a git branch, or (S3) history objects or bucket
 * versions. `history` and `at` ask only these two questions.
 */
export interface HistorySource {
  /** Every version of a node's current document, oldest first. */
  versionsOf(id: string): Promise<DocumentVersion[]>;
  /** The current documents as they were at `when`; `ref` names that point (a commit), null when the history starts later. */
  documentsAt(when: Date): Promise<{ ref: string | null; records: readonly PresenceRecord[] }>;
}

export function gitHistory(gitDir: string, ref: string, secrets: readonly string[] = []): HistorySource {
  return {
    versionsOf: (id) => readDocumentHistory(gitDir, id, { ref }),
    async documentsAt(when) {
      const seconds = Math.floor(when.getTime() / 1000);
      const commit = (await git(['rev-list', '-1', `--before=@${seconds}`, ref, '--'], { gitDir, timeoutMs: 60_000, secrets })).trim() || null;
      if (!commit) return { ref: null, records: [] };
      return { ref: commit, records: (await loadPresence(gitSource(gitDir, commit, { secrets }))).records };
    },
  };
}

export interface StateVisit extends StateLogEntry {
  /** The first commit whose document carried this state. */
  readonly commit: string;
  readonly committedAt: Date;
}

export interface HistoryOptions {
  /** Branch or commit to walk from (default HEAD). */
  readonly ref?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Every version of it/presence/all/<id>.json, oldest first. */
export async function readDocumentHistory(gitDir: string, id: string, options: HistoryOptions = {}): Promise<DocumentVersion[]> {
  const file = currentDocumentPath(id);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const log = await git(['log', '--format=%H%x00%ct%x00%s%x00', '--no-renames', options.ref ?? 'HEAD', '--', file], { gitDir, timeoutMs });
  const commits = log
    .split('\n')
    .filter((line) => line.includes('\0'))
    .map((line) => {
      const [commit, time, subject] = line.split('\0') as [string, string, string];
      return { commit, committedAt: new Date(Number(time) * 1000), subject };
    })
    .reverse();
  // Sizes first: a version over the bound is named as such and never read whole.
  const specOf = (c: { commit: string }): string => `${c.commit}:${file}`;
  const sizes = await objectSizes(gitDir, commits.map(specOf), { timeoutMs });
  const readable = commits.filter((c) => (sizes.get(specOf(c))?.size ?? Infinity) <= MAX_DOCUMENT_BYTES);
  const contents = await catFileBatch(gitDir, readable.map(specOf), readable.map((c) => c.commit), { timeoutMs });
  return commits.map((c): DocumentVersion => {
    const size = sizes.get(specOf(c))?.size;
    if (size === undefined) return { ...c, deleted: true };
    if (size > MAX_DOCUMENT_BYTES) return { ...c, deleted: false, problem: `larger than ${MAX_DOCUMENT_BYTES / 1024} KB (${size} bytes)` };
    const bytes = contents.get(c.commit);
    if (bytes === undefined) return { ...c, deleted: false, problem: 'is not a regular file' };
    const parsed = parsePresenceDocument(bytes.toString('utf8'), file, id);
    return parsed.ok ? { ...c, record: parsed.record, deleted: false } : { ...c, deleted: false, problem: parsed.problem };
  });
}

/** Every state the node went through across all versions, oldest first, each once. */
export function statesThroughHistory(versions: readonly DocumentVersion[]): StateVisit[] {
  const seen = new Map<string, StateVisit>();
  for (const version of versions) {
    const record = version.record;
    if (!record) continue;
    const entries = [...record.statelog];
    if (record.state !== undefined && record.statetss !== undefined) entries.push({ state: record.state, tss: record.statetss });
    for (const entry of entries) {
      const key = `${entry.state}:${entry.tss}`;
      if (!seen.has(key)) seen.set(key, { ...entry, commit: version.commit, committedAt: version.committedAt });
    }
  }
  return [...seen.values()].sort((a, b) => (a.tss < b.tss ? -1 : a.tss > b.tss ? 1 : a.committedAt.getTime() - b.committedAt.getTime()));
}
