import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { currentBuild } from '../sys/build-id';
import { readPrivateFile, writePrivateFile } from '../sys/private-file';
import type { Config } from './schema';

/**
 * The last config this build validated, kept in the home's cache/config.json
 * (0600, see sys/private-file.ts), so a start whose config file did not change
 * skips the schema: loading, building and running it is a tenth of what a
 * `state set` costs. Keyed by the build and by the config's whole text (its
 * length and a hash, not its mtime: an edit within the same second, or a copy
 * with the old mtime, still counts), so any change is validated again. Only
 * the built program names its build (the launcher does, sys/build-id.ts); run
 * from source, nothing is cached.
 *
 * No secret is copied: the config holds webhook URLs, tokens and passwords,
 * and the home holds none (the secrets tests read every file in it). So every
 * string of the config is kept as where it stands in the config file's text
 * ({"$t": [start, end]}), read back from the text when recalled; a string
 * that is not in the text verbatim must be one the schema itself holds (a
 * default, an enum value), or nothing is kept. What is left is numbers, flags
 * and the schema's own words.
 */
interface Entry {
  readonly build: string;
  readonly configPath: string;
  /** Length and hash of the config file's text; null when there is no file (the defaults). */
  readonly text: { readonly length: number; readonly hash: string } | null;
  readonly config: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const VALIDATED_CONFIG_FILE = path.join('cache', 'config.json');

export function recallValidatedConfig(home: string, configPath: string, text: string | undefined): Config | undefined {
  const build = currentBuild();
  if (build === undefined) return undefined;
  const data = readPrivateFile(path.join(home, VALIDATED_CONFIG_FILE));
  if (data === undefined) return undefined;
  try {
    const entry = JSON.parse(data.toString('utf8')) as Entry;
    const key = textKey(text);
    // Compared field by field: node's isDeepStrictEqual is a module of its own to load, on every start.
    const sameText = key === null ? entry.text === null : entry.text?.length === key.length && entry.text.hash === key.hash;
    if (entry.build !== build || entry.configPath !== configPath || !sameText) return undefined;
    return decode(entry.config as Json, text ?? '') as Config;
  } catch {
    return undefined;
  }
}

/**
 * Kept only in a home that exists (a cache is never a reason to create one),
 * and only when what the next start would recall is exactly what `schema`
 * gave.
 */
export function rememberValidatedConfig(home: string, configPath: string, text: string | undefined, config: Config, schema: unknown): void {
  const build = currentBuild();
  if (build === undefined || fs.statSync(home, { throwIfNoEntry: false })?.isDirectory() !== true) return;
  const encoded = encode(config as unknown as Json, text ?? '', schemaStrings(schema));
  if (encoded === undefined) return;
  const entry: Entry = { build, configPath, text: textKey(text), config: encoded };
  const json = JSON.stringify(entry);
  if (!isDeepStrictEqual(decode((JSON.parse(json) as Entry).config as Json, text ?? ''), config)) return;
  writePrivateFile(path.join(home, VALIDATED_CONFIG_FILE), json);
}

/** undefined when a value cannot be kept without its text (a string neither in the file nor a default, a key of our own form). */
function encode(value: Json, text: string, defaults: ReadonlySet<string>): Json | undefined {
  if (typeof value === 'string') {
    const start = text.indexOf(value);
    if (value !== '' && start !== -1) return { $t: [start, start + value.length] };
    return defaults.has(value) ? value : undefined;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value) {
      const encoded = encode(item, text, defaults);
      if (encoded === undefined) return undefined;
      out.push(encoded);
    }
    return out;
  }
  const out: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) {
    // Keys (sink names, label names) are kept as they are: a secret is a value. A key of the
    // marker's own form would make the entry ambiguous, so such a config is not kept.
    if (key.startsWith('$')) return undefined;
    const encoded = encode(item, text, defaults);
    if (encoded === undefined) return undefined;
    out[key] = encoded;
  }
  return out;
}

function decode(value: Json, text: string): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => decode(item, text));
  const at = value.$t;
  if (Array.isArray(at) && Object.keys(value).length === 1) {
    const [start, end] = at as [number, number];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= text.length)) throw new Error('cache: a place outside the text');
    return text.slice(start, end);
  }
  const out: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) out[key] = decode(item, text);
  return out;
}

/**
 * Every string a zod schema holds in its definitions: defaults (also those of
 * an array's items, which an empty config never shows), enum values,
 * literals, messages. None of them is a user's secret.
 */
function schemaStrings(schema: unknown): Set<string> {
  const out = new Set<string>();
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') out.add(value);
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const zod = (value as { _zod?: { def?: unknown } })._zod;
    if (zod !== undefined) visit(zod.def);
    else if (Array.isArray(value)) value.forEach(visit);
    // Plain objects only (a def, a shape, an enum's entries, a default's value): reading
    // Object.values runs a def's getters, which is how zod hands out a default.
    else if (Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach(visit);
  };
  visit(schema);
  return out;
}

function textKey(text: string | undefined): Entry['text'] {
  return text === undefined ? null : { length: text.length, hash: hashText(text) };
}

/**
 * cyrb53, twice with different seeds (106 bits): tells one config text from an
 * edited one. Not a defence against a forged collision: whoever can write the
 * config file, or this user's 0600 cache, already decides the config.
 * Hand-written so a start does not load node:crypto for it.
 */
function hashText(text: string): string {
  return `${cyrb53(text, 0x9e3779b9).toString(36)}.${cyrb53(text, 0x85ebca6b).toString(36)}`;
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
