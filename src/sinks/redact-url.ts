import { isSecretName, MIN_KNOWN_SECRET, redactSecrets } from '../core/secrets';

/**
 * Webhook URLs carry their secret in the path (Slack, Discord, Mattermost) or
 * the query (Teams Workflows' sig=…). They are shown to people only in this
 * form: scheme, host, the first path segment and one more character.
 */
export function redactWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparsable URL)';
  }
  const origin = `${parsed.protocol}//${parsed.host}`;
  const segments = parsed.pathname.split('/').filter(Boolean);
  const first = segments[0];
  const second = segments[1];
  if (first === undefined) return parsed.search ? `${origin}/?****` : origin;
  if (second === undefined) return `${origin}/****`;
  // "https://hooks.slack.com/services/T…/****"
  return `${origin}/${first}/${second.slice(0, 1)}…/****`;
}

/**
 * The parts of a destination URL that are secret, for redactSecrets: the URL
 * itself, its path (a receiver may echo it) and its query. A bare server URL
 * (HipChat's https://hipchat.example.com) holds no secret.
 */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const out: string[] = [];
  const pathPart = parsed.pathname.replace(/\/+$/, '');
  if (pathPart.length > 1 || parsed.search) out.push(url);
  // A path of one plain word ("/nodegrid", "/events") names a receiver, it is no token; as a
  // secret of its own it would mangle every file path holding the word (/var/lib****).
  if (pathPart.length > 1 && !isPlainWordPath(pathPart)) out.push(`${pathPart}${parsed.search}`, pathPart);
  else if (pathPart.length > 1 && parsed.search) out.push(`${pathPart}${parsed.search}`);
  if (parsed.search.length > 1) out.push(parsed.search.slice(1));
  if (parsed.password) out.push(decodeURIComponent(parsed.password));
  // A receiver may echo only the token: Slack's, Discord's and Mattermost's is the last path segment.
  const last = pathPart.split('/').at(-1) ?? '';
  if (looksRandom(last)) out.push(last);
  for (const [name, value] of parsed.searchParams) if (isSecretName(name) || name === 'code') out.push(value);
  // Only secrets long enough to redact without mangling ordinary words.
  return out.filter((secret) => secret.length >= MIN_KNOWN_SECRET);
}

/** "/nodegrid", "/incident-events": one segment, a word of lowercase letters and dashes, shorter than a token. */
function isPlainWordPath(pathPart: string): boolean {
  return /^\/[a-z][a-z_-]{0,15}$/.test(pathPart);
}

/** "B0123/XyZ9abc…" is a token; "hooks" or "nodegrid" is a word that must stay readable. */
function looksRandom(segment: string): boolean {
  const letters = /[A-Za-z]/.test(segment);
  const mixedCase = /[a-z]/.test(segment) && /[A-Z]/.test(segment);
  return segment.length >= 8 && letters && (/[0-9]/.test(segment) || mixedCase);
}

/**
 * The start of an answer for a failure message: one line, redacted before it
 * is cut (half a secret is not recognisable), and cut at a word.
 */
export function redactedSnippet(text: string, secrets: readonly string[], max: number): string {
  const line = redactSecrets(text.replace(/\s+/g, ' ').trim(), secrets);
  if (line.length <= max) return line;
  const cut = line.slice(0, max + 1);
  const word = cut.search(/\s\S*$/);
  return word <= 0 ? `${line.slice(0, max)}…` : `${cut.slice(0, word)} …`;
}
