import { randomBytes } from '../sys/random';
import * as z from 'zod/mini';
import { MAX_NOTE_CHARS } from '../core/event';
import { assertInstanceId, isValidInstanceId } from '../core/ids';
import { parseJsonWith } from '../core/parse-json';
import { compactUtcStamp } from '../core/time';
import { formatJsonLikePython } from './format';
import type { PresenceSource } from './source';

/**
 * Asking a node to leave (or come back) through presence, "push me, pull
 * you": whoever may write presence writes a request document under the
 * node's folder, the node's tick reads its own folder on each beat, acts once
 * and writes the outcome beside it. The two never write the same file, so no
 * write ever overwrites the other's. Pure: formats, paths and parsing.
 *
 *   it/presence/requests/<node>/<request>.json          the request (the asker)
 *   it/presence/requests/<node>/<request>.outcome.json  what came of it (the node)
 */
export const REQUESTS_DIR = 'it/presence/requests';
export const REQUEST_ACTIONS = ['drain', 'decommission', 'undrain'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];
export const OUTCOMES = ['done', 'failed', 'refused', 'expired'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A node acts on requests younger than this only: one restored from an old image does not drain on last month's request. */
export const REQUEST_EXPIRES_MS = 24 * 3600 * 1000;

const REQUEST_ID = /^\d{8}T\d{6}Z-(drain|decommission|undrain)-[0-9a-f]{6}$/;

export interface NodeRequest {
  readonly id: string;
  readonly node: string;
  readonly action: RequestAction;
  /** Who asked: user@host, or --by. */
  readonly by: string;
  /** ISO time of the request. */
  readonly at: string;
  readonly note?: string | undefined;
  /** How long the drain (or decommission) may take, in seconds. */
  readonly deadlineSeconds?: number | undefined;
}

export interface RequestOutcome {
  readonly request: string;
  readonly node: string;
  readonly outcome: Outcome;
  /** The node's state after acting. */
  readonly state: string | null;
  readonly note: string;
  readonly at: string;
}

export function isRequestId(text: string): boolean {
  return REQUEST_ID.test(text);
}

/** "20261203T071500Z-drain-3fa9c1": sortable by time, unique enough for one node's handful of requests. */
export function newRequestId(action: RequestAction, now: Date, random: () => Buffer = () => randomBytes(3)): string {
  return `${compactUtcStamp(now)}-${action}-${random().toString('hex').slice(0, 6)}`;
}

export function requestPath(node: string, request: string): string {
  return `${REQUESTS_DIR}/${assertInstanceId(node)}/${assertRequestId(request)}.json`;
}

export function outcomePath(node: string, request: string): string {
  return `${REQUESTS_DIR}/${assertInstanceId(node)}/${assertRequestId(request)}.outcome.json`;
}

/** The folder of one node's requests, for listing. */
export function nodeRequestsDir(node: string): string {
  return `${REQUESTS_DIR}/${assertInstanceId(node)}`;
}

function assertRequestId(request: string): string {
  if (!isRequestId(request)) throw new Error(`not a request id: ${JSON.stringify(request.slice(0, 80))}`);
  return request;
}

export interface RequestPath {
  readonly kind: 'request' | 'outcome';
  readonly node: string;
  readonly request: string;
}

const PATH = /^it\/presence\/requests\/([^/]+)\/([^/]+?)(\.outcome)?\.json$/;

/** What a path under it/presence/requests holds; undefined for anything else. */
export function parseRequestPath(path: string): RequestPath | undefined {
  const m = PATH.exec(path);
  if (!m || !isValidInstanceId(m[1]!) || !isRequestId(m[2]!)) return undefined;
  return { kind: m[3] ? 'outcome' : 'request', node: m[1]!, request: m[2]! };
}

const text = (max: number) => z.string().check(z.maxLength(max));

const requestSchema = z.object({
  filetype: z.literal('nodegridrequest'),
  value: z.object({
    id: z.string().check(z.refine(isRequestId, 'not a request id')),
    node: z.string().check(z.refine(isValidInstanceId, 'not a valid instance id')),
    action: z.enum(REQUEST_ACTIONS),
    by: text(200),
    at: z.string().check(z.refine((at: string) => !Number.isNaN(Date.parse(at)), 'not a time')),
    note: z.optional(text(MAX_NOTE_CHARS)),
    deadlineSeconds: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(7 * 24 * 3600))),
  }),
});

const outcomeSchema = z.object({
  filetype: z.literal('nodegridrequestoutcome'),
  value: z.object({
    request: z.string().check(z.refine(isRequestId, 'not a request id')),
    node: z.string().check(z.refine(isValidInstanceId, 'not a valid instance id')),
    outcome: z.enum(OUTCOMES),
    state: z.nullable(text(200)),
    note: text(MAX_NOTE_CHARS),
    at: z.string(),
  }),
});

export function formatRequest(request: NodeRequest): string {
  return formatJsonLikePython({ filetype: 'nodegridrequest', value: withoutUndefined(request) });
}

export function formatOutcome(outcome: RequestOutcome): string {
  return formatJsonLikePython({ filetype: 'nodegridrequestoutcome', value: outcome });
}

/**
 * A request document, checked against the path it was found at: a file under
 * one node's folder that names another node, or another id, is not a request
 * for anyone (a copy, or a forgery aimed at the wrong node).
 */
export function parseRequest(content: string, at: RequestPath): { ok: true; request: NodeRequest } | { ok: false; message: string } {
  const parsed = parseJsonWith(requestSchema, content);
  if (!parsed.ok) return { ok: false, message: parsed.problem };
  const value = parsed.value.value;
  if (value.node !== at.node || value.id !== at.request) return { ok: false, message: `says it is request ${value.id} for ${value.node}` };
  return { ok: true, request: value };
}

export function parseOutcome(content: string, at: RequestPath): { ok: true; outcome: RequestOutcome } | { ok: false; message: string } {
  const parsed = parseJsonWith(outcomeSchema, content);
  if (!parsed.ok) return { ok: false, message: parsed.problem };
  const value = parsed.value.value;
  if (value.node !== at.node || value.request !== at.request) return { ok: false, message: `says it is the outcome of ${value.request} for ${value.node}` };
  return { ok: true, outcome: value };
}

/** A request with what came of it (none yet: open). */
export interface RequestStatus {
  readonly request: NodeRequest;
  readonly outcome?: RequestOutcome | undefined;
}

/** Requests and outcomes read from presence, joined, oldest first; unreadable files are named in `problems`. */
export function joinRequests(files: ReadonlyMap<string, string>): { requests: RequestStatus[]; problems: string[] } {
  const requests = new Map<string, NodeRequest>();
  const outcomes = new Map<string, RequestOutcome>();
  const problems: string[] = [];
  for (const [path, content] of files) {
    const at = parseRequestPath(path);
    if (!at) continue;
    const key = `${at.node}/${at.request}`;
    if (at.kind === 'request') {
      const parsed = parseRequest(content, at);
      if (parsed.ok) requests.set(key, parsed.request);
      else problems.push(`${path}: ${parsed.message}`);
    } else {
      const parsed = parseOutcome(content, at);
      if (parsed.ok) outcomes.set(key, parsed.outcome);
      else problems.push(`${path}: ${parsed.message}`);
    }
  }
  const joined = [...requests].map(([key, request]) => ({ request, outcome: outcomes.get(key) }));
  joined.sort((a, b) => (a.request.id < b.request.id ? -1 : a.request.id > b.request.id ? 1 : a.request.node < b.request.node ? -1 : 1));
  return { requests: joined, problems };
}

/** The requests (of one node, or of all) as a source holds them. */
export async function readRequests(source: PresenceSource, node?: string): Promise<{ requests: RequestStatus[]; problems: string[] }> {
  const entries = await source.list([node === undefined ? REQUESTS_DIR : nodeRequestsDir(node)]);
  const paths = entries.filter((entry) => entry.kind === 'file' && parseRequestPath(entry.path) !== undefined).map((entry) => entry.path);
  const files = await source.readMany(paths);
  return joinRequests(new Map([...files].map(([path, body]) => [path, body.toString('utf8')])));
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
