import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who may see the dashboard. Without a token: anyone who can reach a loopback
 * address, as long as the Host header names a loopback host (so a web page
 * that rebinds its own DNS name to 127.0.0.1 cannot read the grid). With a
 * token: a bearer header, or the session cookie set by /login.
 */
export const SESSION_COOKIE = 'nodegrid_session';
export const MIN_TOKEN_LENGTH = 16;
const MAX_SESSIONS = 1000;

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Random session ids handed out by /login; the token itself never goes into a cookie. */
export class Sessions {
  private readonly ids: string[] = [];

  create(): string {
    const id = randomBytes(32).toString('hex');
    this.ids.push(id);
    if (this.ids.length > MAX_SESSIONS) this.ids.shift();
    return id;
  }

  has(id: string | undefined): boolean {
    if (id === undefined || !/^[0-9a-f]{64}$/.test(id)) return false;
    let found = false;
    // Compare against every id, never stopping early.
    for (const known of this.ids) found = tokensEqual(id, known) || found;
    return found;
  }
}

export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** "127.0.0.1:8080", "localhost", "[::1]:8080": the name part is a loopback host. */
export function hostHeaderIsLoopback(header: string | undefined): boolean {
  if (header === undefined) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(header.trim());
  return m !== null && isLoopbackAddress(m[1]!);
}
