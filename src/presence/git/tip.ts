import { parseJsonWith } from '../../core/parse-json';
import { MAX_DOCUMENT_BYTES, presenceDocumentSchema } from '../format';
import type { ObjectReader } from '../../git/object-reader';
import { commitTree, EMPTY_TREE } from '../../git/objects';
import type { TreeCache } from '../../git/tree-cache';

/**
 * What a delivery reads of the remote's tip, and the redelivery check: a push
 * that landed just as its time ran out (or before a kill) leaves its events
 * queued, so a state change is looked for before it is staged again.
 */
export interface Author {
  readonly name: string;
  readonly email: string;
}

export interface Tip {
  readonly commit: string;
  readonly tree: string;
}

/** The tip's commit and tree, read through cat-file. */
export async function readTip(reader: ObjectReader, commit: string): Promise<Tip | undefined> {
  const object = await reader.read(commit);
  if (object?.type !== 'commit' || !object.body) return undefined;
  const tree = commitTree(object.body);
  return tree ? { commit: object.sha, tree } : undefined;
}

/** Whether the document at `file` already has this statelog or a newer one that extends it. */
export async function documentCarries(reader: ObjectReader, trees: TreeCache, rootTree: string, file: string, statelog: string): Promise<boolean> {
  if (statelog === '' || rootTree === EMPTY_TREE) return false;
  const sha = await trees.blobAt(rootTree, file);
  const remote = sha === undefined ? undefined : await statelogOfBlob(reader, sha);
  return remote?.startsWith(statelog) === true;
}

/** The statelog of a presence document blob; undefined when it is not one (too large, not JSON, no statelog). */
export async function statelogOfBlob(reader: ObjectReader, sha: string): Promise<string | undefined> {
  const blob = await reader.read(sha, MAX_DOCUMENT_BYTES);
  if (blob?.type !== 'blob' || !blob.body) return undefined;
  const parsed = parseJsonWith(presenceDocumentSchema, blob.body.toString('utf8'));
  const statelog = parsed.ok ? parsed.value.value.statelog : undefined;
  return typeof statelog === 'string' ? statelog : undefined;
}

/** git refuses "<", ">" and newlines in a name or an email: they would break the commit header. */
export function safeSignature(author: Author): Author {
  const clean = (text: string, fallback: string): string => text.replace(/[<>\n\r\0]/g, '').trim() || fallback;
  return { name: clean(author.name, 'nodegrid'), email: clean(author.email, 'nodegrid') };
}
