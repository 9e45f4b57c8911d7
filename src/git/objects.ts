import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

/**
 * Git's object format, written in-process: a delivery that used to spawn
 * hash-object, update-index, write-tree and commit-tree for every attempt now
 * computes the same objects itself (SHA-1 of "<type> <size>\0<body>", stored
 * zlib-deflated under objects/xx/…). Reading stays with git (cat-file), which
 * knows packs.
 */
export type ObjectType = 'blob' | 'tree' | 'commit';

export interface GitObject {
  readonly sha: string;
  readonly type: ObjectType;
  readonly body: Buffer;
}

export function hashObject(type: ObjectType, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

export function makeObject(type: ObjectType, body: Buffer | string): GitObject {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { sha: hashObject(type, bytes), type, body: bytes };
}

/**
 * Writes a loose object unless it is already there. Made aside and renamed
 * into place, as git does, so a kill never leaves a half-written object under
 * its final name (a half-written temporary is swept by the clone's hygiene).
 */
export function writeLooseObject(gitDir: string, object: GitObject): void {
  const dir = path.join(gitDir, 'objects', object.sha.slice(0, 2));
  const file = path.join(dir, object.sha.slice(2));
  if (fs.existsSync(file)) return;
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `tmp_obj_nodegrid_${process.pid}_${Math.random().toString(36).slice(2, 8)}`);
  const deflated = deflateSync(Buffer.concat([Buffer.from(`${object.type} ${object.body.length}\0`), object.body]), { level: 1 });
  fs.writeFileSync(temp, deflated, { mode: 0o444 });
  fs.renameSync(temp, file);
}

/** One entry of a tree, kept as git stored it: hostile names and odd modes are carried along untouched. */
export interface TreeEntry {
  /** As written in the tree: "100644", "40000", "120000", "160000", or an old repository's "100664". */
  readonly mode: string;
  /** Raw bytes: a name need not be UTF-8, or even valid for git. */
  readonly name: Buffer;
  readonly sha: string;
}

export const TREE_MODE = '40000';
export const FILE_MODE = '100644';

export function isTreeEntry(entry: TreeEntry): boolean {
  return entry.mode === TREE_MODE || entry.mode === '040000';
}

export function parseTree(body: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > body.length) throw new Error(`malformed tree object at byte ${at}`);
    entries.push({
      mode: body.toString('latin1', at, space),
      name: body.subarray(space + 1, nul),
      sha: body.toString('hex', nul + 1, nul + 21),
    });
    at = nul + 21;
  }
  return entries;
}

export function formatTree(entries: readonly TreeEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(Buffer.from(`${entry.mode} `, 'latin1'), entry.name, Buffer.from([0]), Buffer.from(entry.sha, 'hex'));
  }
  return Buffer.concat(parts);
}

/** Git's tree order: byte order of names, with a tree's name compared as if it ended in "/". */
export function compareTreeEntries(a: { name: Buffer; isTree: boolean }, b: { name: Buffer; isTree: boolean }): number {
  const length = Math.min(a.name.length, b.name.length);
  const common = a.name.subarray(0, length).compare(b.name.subarray(0, length));
  if (common !== 0) return common;
  const nextA = a.name.length > length ? a.name[length]! : a.isTree ? 0x2f : 0;
  const nextB = b.name.length > length ? b.name[length]! : b.isTree ? 0x2f : 0;
  return nextA - nextB;
}

export interface Signature {
  readonly name: string;
  readonly email: string;
}

export interface CommitFields {
  readonly tree: string;
  readonly parent?: string | undefined;
  readonly author: Signature;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly message: string;
}

/** A commit as commit-tree would write it, in UTC. */
export function formatCommit(fields: CommitFields): string {
  const who = `${fields.author.name} <${fields.author.email}> ${Math.floor(fields.time)} +0000`;
  const message = fields.message.endsWith('\n') ? fields.message : `${fields.message}\n`;
  return `tree ${fields.tree}\n${fields.parent ? `parent ${fields.parent}\n` : ''}author ${who}\ncommitter ${who}\n\n${message}`;
}

/** The tree a commit points at; undefined when the body is not a commit. */
export function commitTree(body: Buffer): string | undefined {
  return /^tree ([0-9a-f]{40})\n/.exec(body.toString('latin1', 0, 46))?.[1];
}

/** Git's well-known empty tree: the parent tree of a first commit. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
