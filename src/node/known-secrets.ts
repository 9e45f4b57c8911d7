import fs from 'node:fs';
import path from 'node:path';
import { environmentSecrets, fileSecretValues } from '../core/secrets';
import { NODEINFO_FILES } from './nodeinfo';

/**
 * The secrets this node actually has, by value, for the one redactor: what
 * the nodeinfo folder holds outside its allow-list (secret_key.txt,
 * access_key.txt, tokens), the environment's secret-named variables, and
 * what the config's sinks hold (chat URLs and tokens, the webhook signing
 * secret, credentials in remote URLs).
 */
export interface SecretSources {
  readonly nodeinfoDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configSecrets: readonly string[];
  /** Values that are published on purpose (the instance id, state names): never treated as secret. */
  readonly published: readonly string[];
}

export function collectKnownSecrets(sources: SecretSources): string[] {
  const published = new Set([...sources.published, ...allowListedValues(sources.nodeinfoDir)]);
  const values = [...sources.configSecrets, ...environmentSecrets(sources.env), ...nodeinfoSecrets(sources.nodeinfoDir)];
  return [...new Set(values.map((value) => value.trim()))].filter((value) => value !== '' && !published.has(value));
}

/** What the allow-listed files hold (the id, the DNA, the state) is published, so it is no secret. */
function allowListedValues(nodeinfoDir: string): string[] {
  const out: string[] = [];
  for (const name of Object.values(NODEINFO_FILES)) {
    try {
      out.push(fs.readFileSync(path.join(nodeinfoDir, name), 'utf8').trim());
    } catch {
      /* not there yet */
    }
  }
  return out;
}

/** A nodeinfo folder is a handful of one-value files; anything larger is not ours to scan. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 64 * 1024;

/** The values of the files outside the allow-list; unreadable files are skipped (their values cannot leak through us). */
export function nodeinfoSecrets(nodeinfoDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(nodeinfoDir);
  } catch {
    return [];
  }
  const allowed = new Set<string>(Object.values(NODEINFO_FILES));
  const out: string[] = [];
  for (const name of names.slice(0, MAX_FILES)) {
    if (allowed.has(name)) continue;
    // nodegrid's own atomic-write temp files hold allow-listed values (the statelog), not secrets.
    if (name.startsWith('.') && name.endsWith('.tmp')) continue;
    const file = path.join(nodeinfoDir, name);
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) continue;
      const text = fs.readFileSync(file, 'utf8');
      if (!text.includes('\0')) out.push(...fileSecretValues(text));
    } catch {
      /* unreadable: nothing of it can reach our output */
    }
  }
  return out;
}
