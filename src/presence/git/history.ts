import { currentDocumentPath, MAX_DOCUMENT_BYTES } from '../format';
import { git } from '../../git/run';
import type { DocumentVersion, HistorySource } from '../history';
import { loadPresence, parsePresenceDocument } from '../read';
import { catFileBatch, gitSource, objectSizes } from '../source';

/** The past of a git branch: `git log` of a node's document, and the documents as of a commit. Needs a clone with the history (the sink's own clone is shallow). */
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
