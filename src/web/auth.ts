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

/**
 * Wrong tokens per client: after `limit` of them within `windowMs`, that
 * client's token attempts are answered 429 until the oldest is a window old,
 * so no address guesses faster than `limit` a window. Other clients are never
 * slowed, and a correct token is checked as fast as before. Only guesses count
 * (a bearer header, /login?token=): a request with no credential, or a stale
 * session cookie, is not a guess at the token. Bounded: the least recently
 * seen clients are forgotten first.
 */
export class TokenAttempts {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly maxClients = 10_000,
  ) {}

  /** Milliseconds until `client` may try a token again; 0 when it may now. */
  retryAfterMs(client: string, now: number): number {
    const times = this.recent(client, now);
    return times.length < this.limit ? 0 : times[times.length - this.limit]! + this.windowMs - now;
  }

  /** Counts a wrong token; returns how many `client` has had within the window. */
  fail(client: string, now: number): number {
    const times = [...this.recent(client, now), now].slice(-this.limit);
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.maxClients) this.failures.delete(this.failures.keys().next().value!);
    return times.length;
  }

  private recent(client: string, now: number): number[] {
    const times = (this.failures.get(client) ?? []).filter((time) => now - time < this.windowMs);
    if (times.length === 0) this.failures.delete(client);
    return times;
  }
}

/**
 * Who is guessing: the IPv4 address ("::ffff:10.0.0.7" is 10.0.0.7), or for
 * IPv6 the /64 network, since one host usually holds a whole /64.
 */
export function clientKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped) return mapped[1]!;
  if (!remoteAddress.includes(':')) return remoteAddress;
  const [head = '', tail] = remoteAddress.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
