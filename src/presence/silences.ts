import { randomBytes } from '../sys/random';
import * as z from 'zod/mini';
import { MAX_NOTE_CHARS } from '../core/event';
import { isValidInstanceId } from '../core/ids';
import { parseJsonWith } from '../core/parse-json';
import { compactUtcStamp } from '../core/time';
import { formatJsonLikePython } from './format';
import type { PresenceSource } from './source';

/**
 * Maintenance windows, kept in presence like requests: a silence names a
 * node, or a deployment (and a nodepart), and a time until which the monitor
 * sends no chat about it. Everyone who reads presence sees it (nodes, the
 * dashboard, metrics), so a quiet node is never a mystery. One file per
 * silence, written by whoever set it (and rewritten by whoever ends it
 * early). Pure: formats, paths and matching.
 *
 *   it/presence/silences/<silence>.json
 */
export const SILENCES_DIR = 'it/presence/silences';

const SILENCE_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface SilenceMatch {
  readonly id?: string | undefined;
  readonly deployment?: string | undefined;
  readonly nodepart?: string | undefined;
}

export interface Silence {
  readonly id: string;
  readonly match: SilenceMatch;
  readonly by: string;
  /** ISO times: from when, and until when. */
  readonly at: string;
  readonly until: string;
  readonly note?: string | undefined;
  /** Set when someone ended it before `until` was first written: who. */
  readonly endedBy?: string | undefined;
}

export function isSilenceId(text: string): boolean {
  return SILENCE_ID.test(text);
}

export function newSilenceId(now: Date, random: () => Buffer = () => randomBytes(3)): string {
  return `${compactUtcStamp(now)}-${random().toString('hex').slice(0, 6)}`;
}

export function silencePath(id: string): string {
  if (!isSilenceId(id)) throw new Error(`not a silence id: ${JSON.stringify(id.slice(0, 80))}`);
  return `${SILENCES_DIR}/${id}.json`;
}

export function isSilenceName(text: string): boolean {
  return NAME.test(text);
}

const time = z.string().check(z.refine((at: string) => !Number.isNaN(Date.parse(at)), 'not a time'));
const name = z.string().check(z.regex(NAME, 'not a deployment or nodepart name'));

const silenceSchema = z.object({
  filetype: z.literal('nodegridsilence'),
  value: z.object({
    id: z.string().check(z.refine(isSilenceId, 'not a silence id')),
    match: z
      .object({
        id: z.optional(z.string().check(z.refine(isValidInstanceId, 'not a valid instance id'))),
        deployment: z.optional(name),
        nodepart: z.optional(name),
      })
      .check(z.refine((match: SilenceMatch) => match.id !== undefined || match.deployment !== undefined, 'names no node and no deployment')),
    by: z.string().check(z.maxLength(200)),
    at: time,
    until: time,
    note: z.optional(z.string().check(z.maxLength(MAX_NOTE_CHARS))),
    endedBy: z.optional(z.string().check(z.maxLength(200))),
  }),
});

export function formatSilence(silence: Silence): string {
  const match = Object.fromEntries(Object.entries(silence.match).filter(([, v]) => v !== undefined));
  const value = Object.fromEntries(Object.entries({ ...silence, match }).filter(([, v]) => v !== undefined));
  return formatJsonLikePython({ filetype: 'nodegridsilence', value });
}

export function parseSilence(content: string, id: string): { ok: true; silence: Silence } | { ok: false; message: string } {
  const parsed = parseJsonWith(silenceSchema, content);
  if (!parsed.ok) return { ok: false, message: parsed.problem };
  if (parsed.value.value.id !== id) return { ok: false, message: `says it is silence ${parsed.value.value.id}` };
  return { ok: true, silence: parsed.value.value };
}

/** Every silence presence holds, oldest first; unreadable files are named in `problems`. */
export async function readSilences(source: PresenceSource): Promise<{ silences: Silence[]; problems: Array<{ file: string; message: string }> }> {
  const entries = (await source.list([SILENCES_DIR])).filter((entry) => entry.kind === 'file');
  const byPath = new Map<string, string>();
  for (const entry of entries) {
    const m = /^it\/presence\/silences\/([^/]+)\.json$/.exec(entry.path);
    if (m && isSilenceId(m[1]!)) byPath.set(entry.path, m[1]!);
  }
  const files = await source.readMany([...byPath.keys()]);
  const silences: Silence[] = [];
  const problems: Array<{ file: string; message: string }> = [];
  for (const [path, body] of files) {
    const parsed = parseSilence(body.toString('utf8'), byPath.get(path)!);
    if (parsed.ok) silences.push(parsed.silence);
    else problems.push({ file: path, message: parsed.message });
  }
  return { silences: silences.sort((a, b) => (a.id < b.id ? -1 : 1)), problems };
}

export function isActive(silence: Silence, now: Date): boolean {
  return Date.parse(silence.at) <= now.getTime() + 60_000 && now.getTime() < Date.parse(silence.until);
}

export function matches(silence: Silence, node: { id: string; deployment: string | null; nodepart: string | null }): boolean {
  const { match } = silence;
  if (match.id !== undefined && match.id !== node.id) return false;
  if (match.deployment !== undefined && match.deployment !== node.deployment) return false;
  if (match.nodepart !== undefined && match.nodepart !== node.nodepart) return false;
  return true;
}

/** The active silence over a node that lasts longest, if any. */
export function silenceOver(silences: readonly Silence[], node: { id: string; deployment: string | null; nodepart: string | null }, now: Date): Silence | undefined {
  let best: Silence | undefined;
  for (const silence of silences) {
    if (isActive(silence, now) && matches(silence, node) && (best === undefined || Date.parse(silence.until) > Date.parse(best.until))) best = silence;
  }
  return best;
}

/** "i-4e7cb59a", "fed1", "fed1/db1": what a silence covers, for messages. */
export function describeMatch(match: SilenceMatch): string {
  if (match.id !== undefined) return match.id;
  return match.nodepart === undefined ? (match.deployment ?? '?') : `${match.deployment ?? '?'}/${match.nodepart}`;
}
