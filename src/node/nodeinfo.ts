import fs from 'node:fs';
import path from 'node:path';
import { NodegridError } from '../core/errors';
import type { NodeIdentity } from '../core/event';
import { assertDnaName, assertInstanceId, describeValue, isValidDnaName, isValidInstanceId } from '../core/ids';
import { normalizeState } from '../core/lifecycle';
import { parseStateLog, type StateLogEntry } from '../core/statelog';
import { isTss } from '../core/time';
import { readTextIfExists, writeFileAtomic } from '../sys/files';

/**
 * The nodeinfo folder: one value per file, value + newline, readable with cat.
 * Only the files named here are ever read; anything else in the folder
 * (access_key.txt, secret_key.txt …) is left alone and never published.
 */
export const NODEINFO_FILES = {
  id: 'instance-id.txt',
  deployment: 'deployment.txt',
  nodepart: 'nodepart.txt',
  stacktype: 'stacktype.txt',
  initgitrepo: 'initgitrepo.txt',
  state: 'state.txt',
  statetss: 'statetss.txt',
  statelog: 'statelog.txt',
  /** Free-form labels, `key=value` per line (node/labels.ts): published, so never scanned as a secret. */
  labels: 'labels.txt',
} as const;

const DNA_FIELDS = ['deployment', 'nodepart', 'stacktype', 'initgitrepo'] as const;

export interface NodeRecord {
  readonly identity: Partial<NodeIdentity>;
  readonly state: string | undefined;
  readonly statetss: string | undefined;
  readonly statelog: StateLogEntry[];
  readonly statelogText: string;
  /** Values that were present but unusable, reported as warnings. */
  readonly problems: string[];
}

function readValue(dir: string, file: string): string | undefined {
  const text = readTextIfExists(path.join(dir, file));
  if (text === undefined) return undefined;
  const value = text.replace(/\r?\n$/, '').trim();
  return value === '' ? undefined : value;
}

export function readNodeRecord(dir: string): NodeRecord {
  const problems: string[] = [];
  const identity: { -readonly [K in keyof NodeIdentity]?: NodeIdentity[K] } = {};

  const id = readValue(dir, NODEINFO_FILES.id);
  if (id !== undefined) {
    if (isValidInstanceId(id)) identity.id = id;
    else problems.push(`${NODEINFO_FILES.id} holds ${describeValue(id)}, which is not a valid instance id`);
  }
  for (const field of DNA_FIELDS) {
    const value = readValue(dir, NODEINFO_FILES[field]);
    if (value === undefined) continue;
    if (isValidDnaName(value)) identity[field] = value;
    else problems.push(`${NODEINFO_FILES[field]} holds ${describeValue(value)}, which is not valid`);
  }

  const statelogText = readTextIfExists(path.join(dir, NODEINFO_FILES.statelog)) ?? '';
  const { entries, malformed } = parseStateLog(statelogText);
  if (malformed.length > 0) problems.push(`${NODEINFO_FILES.statelog} has ${malformed.length} malformed entr${malformed.length === 1 ? 'y' : 'ies'}`);

  const rawState = readValue(dir, NODEINFO_FILES.state);
  const state = rawState === undefined ? entries.at(-1)?.state : normalizeState(rawState);
  const rawTss = readValue(dir, NODEINFO_FILES.statetss);
  const statetss = rawTss !== undefined && isTss(rawTss) ? rawTss : entries.at(-1)?.tss;

  return { identity, state, statetss, statelog: entries, statelogText: statelogText.trim(), problems };
}

/** The identity needed to publish anything: an id, validated. */
export function requireIdentity(record: NodeRecord, nodeinfoDir: string): NodeIdentity {
  if (record.identity.id === undefined) {
    const problem = record.problems.find((p) => p.startsWith(NODEINFO_FILES.id));
    // The problem names the file, then quotes the value as read: only the file name is joined to the
    // folder, since path.join over the whole text would resolve a value such as "../../../tmp/x".
    const file = path.join(nodeinfoDir, NODEINFO_FILES.id);
    const why = problem ? `${file}${problem.slice(NODEINFO_FILES.id.length)}` : `${file} is missing`;
    throw new NodegridError('E_NO_IDENTITY', `no instance id: ${why}`, {
      hint: 'set it with: nodegrid init --id <id> (or enable ec2 to read it from instance metadata)',
    });
  }
  return record.identity as NodeIdentity;
}

/** What `init` writes: the node's identity, one shape with the events' (core/event.ts). */
export type IdentityInput = NodeIdentity;

/** Validates everything first, then writes: bad input changes nothing. */
export function writeIdentity(dir: string, input: IdentityInput, force: boolean): { written: string[] } {
  assertInstanceId(input.id);
  for (const field of DNA_FIELDS) {
    const value = input[field];
    if (value !== undefined) assertDnaName(field, value);
  }
  const existingId = readValue(dir, NODEINFO_FILES.id);
  if (existingId !== undefined && existingId !== input.id && !force) {
    throw new NodegridError('E_BAD_INPUT', `this node already has instance id ${describeValue(existingId)}; refusing to change it to ${input.id}`, {
      hint: 'use --force to replace the identity (the node becomes a different node)',
    });
  }
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const values: Array<[string, string | undefined]> = [
    [NODEINFO_FILES.id, input.id],
    ...DNA_FIELDS.map((field): [string, string | undefined] => [NODEINFO_FILES[field], input[field]]),
  ];
  for (const [file, value] of values) {
    if (value === undefined) continue;
    writeFileAtomic(path.join(dir, file), `${value}\n`);
    written.push(file);
  }
  return { written };
}

export function writeInstanceId(dir: string, id: string): void {
  assertInstanceId(id);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, NODEINFO_FILES.id), `${id}\n`);
}
