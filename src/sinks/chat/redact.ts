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
  if (pathPart.length > 1) out.push(`${pathPart}${parsed.search}`, pathPart);
  if (parsed.search.length > 1) out.push(parsed.search.slice(1));
  if (parsed.password) out.push(decodeURIComponent(parsed.password));
  // Only secrets long enough to redact without mangling ordinary words.
  return out.filter((secret) => secret.length >= 6);
}
