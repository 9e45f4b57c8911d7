/**
 * Secrets live next to identity in the nodeinfo folder, in config (webhook
 * URLs, tokens) and in the environment. Anything published, stored or printed
 * passes through one redactor first: the exact values nodegrid knows to be
 * secret (and their URL-encoded spellings) are removed wherever they stand,
 * then text that is shaped like a secret is masked. The shapes are kept
 * narrow on purpose: a 40-hex commit SHA or a file's path is what an operator
 * needs to read, and a known value does not depend on its shape.
 */
export type Redactor = (text: string) => string;

const MASK = '****';

/** Shorter values are left alone: removing "fed1" or "admin" everywhere would eat ordinary text. */
export const MIN_KNOWN_SECRET = 6;

/**
 * Names that say their value is a secret: AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, MY_API_TOKEN, DB_PASSWORD, STRIPE_KEY, SLACK_WEBHOOK_URL, ?sig=… (Teams).
 * Names of where a secret is kept (…_FILE, …_PATH, …_DIR) are not secrets.
 */
const SECRET_NAME = /secret|token|passw(?:or)?d|passphrase|credential|webhook|api[_-]?key|access[_-]?key|private[_-]?key|signature|authorization|(?:^|[_.-])(?:key|sig)$|[_.-]pwd$/i;
const NAMES_A_PLACE = /[_.-](?:file|path|dir|sock|socket)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NAMES_A_PLACE.test(name);
}

/**
 * A run of 40 base64 characters, as an AWS secret access key is. Its left
 * neighbour may be `=` or `:` (KEY=VALUE, JSON), but not a character of a
 * file name (`.`, `-`, `_`, `~`): a run inside a path is part of the path.
 * The neighbour is consumed rather than looked behind, which lets the engine
 * skip a long run's inner positions (a large --json output stays fast).
 */
const BASE64_40 = /(^|[^A-Za-z0-9/+._~-])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=._-])/g;

const SECRET_PATTERNS: RegExp[] = [
  /\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bhooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9/]+/g, // Slack webhook paths (not the redacted form "services/T…/****")
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab tokens
  /discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+/g, // Discord webhook paths
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/g,
];

/** `NAME=value`, `NAME="two words"`, `?token=…&`: the value goes when the name says it is a secret. */
const ASSIGNMENT = /(?<![A-Za-z0-9_.])([A-Za-z][A-Za-z0-9_.-]*)=("[^"\n]*"|'[^'\n]*'|[^\s"'&;,|)\]}]+)/g;
/** Every secret name holds one of these words; text without any skips the name checks (a large --json output). */
const SECRET_WORD = /secret|token|passw|passphrase|credential|webhook|key|sig|authorization|pwd/i;
/** `"password": "…"` in JSON someone echoed; only names with a secret word are candidates, for speed. */
const JSON_MEMBER = /"([A-Za-z0-9_.-]{0,60}?(?:secret|token|passw|passphrase|credential|webhook|key|sig|authorization|pwd)[A-Za-z0-9_.-]{0,60})"(\s*:\s*)"((?:[^"\\\n]|\\.)*)"/gi;
/** A percent-escape; the token around it is decoded to look for shapes inside (`AWS_SECRET_ACCESS_KEY%3Dw…%2F…`). */
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const TOKEN_END = /[\s"'<>]/;

/** A 40-character run is a key when it mixes cases and digits, is not a hex SHA, and is not an absolute path. */
function isBase64Key(run: string): boolean {
  if (/^[0-9a-fA-F]+$/.test(run)) return false; // a commit SHA
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run) || !/[0-9]/.test(run)) return false;
  if (run.startsWith('/') && run.indexOf('/', 1) > 0) return false; // /home/Runner2/work/…
  return true;
}

function redactAssignments(text: string): string {
  if (!SECRET_WORD.test(text)) return text;
  return text
    .replace(ASSIGNMENT, (whole, name: string, value: string) => (isSecretName(name) && !isMasked(value) ? `${name}=${MASK}` : whole))
    .replace(JSON_MEMBER, (whole, name: string, colon: string, value: string) => (isSecretName(name) && value !== '' && !isMasked(value) ? `"${name}"${colon}"${MASK}"` : whole));
}

function isMasked(value: string): boolean {
  return value.replace(/^["']|["']$/g, '') === MASK;
}

/** Shape patterns only: for text about which nothing is known. */
function redactShapes(text: string): string {
  let out = redactUrlCredentials(text);
  out = redactAssignments(out);
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, MASK);
  return out.replace(BASE64_40, (whole, before: string, run: string) => (isBase64Key(run) ? `${before}${MASK}` : whole));
}

/** Each whitespace-delimited token holding a percent-escape, decoded; one whose decoded form has a shape is replaced by that form, redacted. */
function redactEncodedShapes(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let done = 0;
  for (const escape of text.matchAll(PERCENT_ESCAPE)) {
    if (escape.index < done) continue;
    let start = escape.index;
    while (start > done && !TOKEN_END.test(text[start - 1]!)) start--;
    let end = escape.index + 3;
    while (end < text.length && !TOKEN_END.test(text[end]!)) end++;
    const token = text.slice(start, end);
    out += text.slice(done, start) + redactEncodedToken(token);
    done = end;
  }
  return out + text.slice(done);
}

function redactEncodedToken(token: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    return token;
  }
   
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return token;
  const redacted = redactShapes(decoded);
  return redacted === decoded ? token : redacted;
}

export function looksLikeSecret(value: string): boolean {
  return redactShapes(value) !== value || redactEncodedShapes(value) !== value;
}

/**
 * Every way a known value may be written where it leaks: as is, URL-encoded
 * (a query string, a receiver echoing the request), percent-decoded, and
 * JSON-escaped (outbox files, --json output).
 */
function spellings(secret: string): string[] {
  const out = [secret];
  const encoded = encodeURIComponent(secret);
  out.push(encoded, encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), encodeURI(secret), encoded.replace(/%20/g, '+'));
  try {
    out.push(decodeURIComponent(secret));
  } catch {
    /* not percent-encoded */
  }
  out.push(JSON.stringify(secret).slice(1, -1));
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The one redactor: known values first (longest spelling first, so a URL goes
 * before the token inside it), then the shapes, then the shapes of what is
 * percent-encoded. Pure: the caller collects the values.
 */
export function createRedactor(knownSecrets: readonly string[]): Redactor {
  const all = new Set<string>();
  for (const secret of knownSecrets) {
    const value = secret.trim();
    if (value.length < MIN_KNOWN_SECRET) continue;
    for (const spelling of spellings(value)) if (spelling.length >= MIN_KNOWN_SECRET) all.add(spelling);
  }
  const ordered = [...all].sort((a, b) => b.length - a.length);
  const known = ordered.length > 0 ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    if (text === '') return text;
    const out = known ? text.replace(known, MASK) : text;
    return redactEncodedShapes(redactShapes(out));
  };
}

const redactors = new WeakMap<readonly string[], Redactor>();

/**
 * Redacts credentials in URLs and every token-shaped substring, plus any
 * known secret values given by the caller (the same list gives the same
 * compiled redactor).
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let redactor = redactors.get(knownSecrets);
  if (!redactor) {
    redactor = createRedactor(knownSecrets);
    redactors.set(knownSecrets, redactor);
  }
  return redactor(text);
}

/**
 * The values of environment variables whose names say what they are, and the
 * credentials of URLs in any variable (DATABASE_URL=postgres://u:p@h/db).
 * Values that are only digits or a yes/no are settings, not keys.
 */
export function environmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim().length < MIN_KNOWN_SECRET) continue;
    if (isSecretName(name) && !/^(?:\d+|true|false|yes|no)$/i.test(value.trim())) out.push(value.trim());
    if (value.includes('://')) out.push(...urlCredentialSecrets(value.trim()));
  }
  return out;
}

/**
 * The values a file outside the nodeinfo allow-list holds: all of it, each
 * line, and the value of each `name = value` line (an AWS credentials file).
 */
export function fileSecretValues(text: string): string[] {
  const out = [text.trim()];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    out.push(line);
    const assignment = /^[A-Za-z0-9_.-]+\s*[=:]\s*(.+)$/.exec(line);
    if (assignment) out.push(assignment[1]!.trim().replace(/^(["'])(.*)\1$/, '$2'));
  }
  return out.filter((value) => value.length >= MIN_KNOWN_SECRET);
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/** "https://user:token@host/x" -> "https://****@host/x". */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1****@');
}

/**
 * For a URL with credentials: the URL, its user:password and the password (git
 * may print any of them, percent-decoded or not). A URL without credentials is
 * no secret: messages must be able to name it.
 */
export function urlCredentialSecrets(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/@]+)@/i.exec(url);
  if (!match) return [];
  const [, scheme, userinfo] = match as unknown as [string, string, string];
  // "ssh://git@host/x" names a user, not a secret; "https://TOKEN@host/x" is a token.
  if (!userinfo.includes(':') && !/^https?$/i.test(scheme)) return [];
  const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : userinfo;
  const secrets = [url, userinfo, password];
  try {
    secrets.push(decodeURIComponent(password));
  } catch {
    /* not percent-encoded */
  }
  return [...new Set(secrets.filter((secret) => secret !== ''))];
}
