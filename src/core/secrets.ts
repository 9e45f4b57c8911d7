/**
 * Secrets live next to identity in the nodeinfo folder and in config (webhook
 * URLs, tokens). Anything published or logged passes through here first.
 */
const SECRET_PATTERNS: RegExp[] = [
  /\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b/, // AWS access key ids
  /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/, // AWS secret access keys (40 base64 chars)
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\bhooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9/]+/, // Slack webhook paths (not the redacted form "services/T…/****")
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/, // GitLab tokens
  /discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+/, // Discord webhook paths
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, // URLs with user:password@
];

export function looksLikeSecret(value: string): boolean {
  return SECRET_PATTERNS.some((pattern) => pattern.test(value));
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

/**
 * Redacts credentials in URLs and every token-shaped substring, plus any
 * known secret values (config tokens, webhook URLs) given by the caller.
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 6) out = out.split(secret).join('****');
  }
  out = redactUrlCredentials(out);
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`), '****');
  }
  return out;
}
