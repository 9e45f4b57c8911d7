import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { restartableServer } from './restartable-server';
import { tokenBucket } from './token-bucket';

/**
 * An ntfy server on 127.0.0.1, from ntfy's documentation
 * (https://docs.ntfy.sh/publish/, /subscribe/api/) and its server's error table:
 *
 * - Publish with PUT/POST /{topic}, the body the message and the fields in
 *   headers (X-Title/Title/ti/t, X-Priority/Priority/prio/p as 1–5 or
 *   min/low/default/high/max/urgent, X-Tags/Tags/tag/ta, X-Click/Click),
 *   header values raw UTF-8 or RFC 2047 (=?UTF-8?B?…?=, =?UTF-8?Q?…?=);
 *   or PUT/POST / with the message as JSON ({topic, message, title, priority, tags, click}).
 *   Either answers 200 with the message as ntfy stores it.
 * - GET /{topic}/json?poll=1 returns what the topic holds, one JSON message a line.
 * - Access control when credentials are set: no Authorization is 403
 *   (code 40301), a wrong one 401 (40101); Bearer tokens, Basic users, and a
 *   token as the password of an empty Basic user.
 * - A token bucket per visitor (ntfy's visitor-request-limit-burst and
 *   -replenish): when empty, 429 with code 42901 and no Retry-After, as ntfy answers.
 * Errors are ntfy's JSON: {code, http, error, link}.
 */
export interface NtfyMessage {
  readonly id: string;
  readonly time: number;
  readonly expires: number;
  readonly event: 'message';
  readonly topic: string;
  readonly message: string;
  readonly title?: string;
  readonly priority?: number;
  readonly tags?: string[];
  readonly click?: string;
}

export interface NtfyCall {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

export interface NtfyStandInOptions {
  /** Access tokens that may publish and read; with `users`, no credentials at all is refused. */
  readonly tokens?: readonly string[];
  readonly users?: Readonly<Record<string, string>>;
  /** The clock of the rate limit and the messages' times (ms); tests move it instead of sleeping. */
  readonly now?: () => number;
}

export interface NtfyStandIn {
  /** "http://127.0.0.1:PORT": the destination's `server`. */
  readonly url: string;
  readonly calls: NtfyCall[];
  /** What a topic holds, oldest first. */
  messages(topic: string): NtfyMessage[];
  /** A bucket of `burst` requests, one more every `replenishMs` of the clock; null lifts the limit. */
  rateLimit(limit: { burst: number; replenishMs: number } | null): void;
  /** Answer the next `count` requests with this 5xx. */
  failNext(count: number, status?: number): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
/** ntfy's default message-size-limit; a longer body becomes an attachment, which this stand-in (like a server without attachments) refuses. */
const MESSAGE_LIMIT = 4096;
const PRIORITY_NAMES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };
const CACHE_SECONDS = 12 * 3600;

interface Answer {
  status: number;
  body: unknown;
}

function ntfyError(code: number, status: number, error: string, link = ''): Answer {
  return { status, body: { code, http: status, error, ...(link ? { link } : {}) } };
}

const UNAUTHORIZED = ntfyError(40101, 401, 'unauthorized', 'https://ntfy.sh/docs/publish/#authentication');
const FORBIDDEN = ntfyError(40301, 403, 'forbidden', 'https://ntfy.sh/docs/publish/#authentication');
const TOO_MANY = ntfyError(42901, 429, 'limit reached: too many requests', 'https://ntfy.sh/docs/publish/#limitations');

/** Node hands header bytes over as latin1; ntfy reads them as UTF-8, or as RFC 2047 when so encoded. */
function headerText(value: string): string {
  const encoded = /^=\?utf-8\?([bq])\?(.*)\?=$/i.exec(value.trim());
  if (!encoded) return Buffer.from(value, 'latin1').toString('utf8');
  const [, kind, text] = encoded;
  if (kind!.toLowerCase() === 'b') return Buffer.from(text!, 'base64').toString('utf8');
  const bytes = text!.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function header(headers: http.IncomingHttpHeaders, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') return headerText(value);
  }
  return undefined;
}

function parsePriority(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 5 ? value : 'invalid';
  if (typeof value !== 'string') return 'invalid';
  const named = PRIORITY_NAMES[value.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : 'invalid';
}

export async function startNtfyStandIn(options: NtfyStandInOptions = {}): Promise<NtfyStandIn> {
  const now = options.now ?? Date.now;
  const tokens = new Set(options.tokens ?? []);
  const users = options.users ?? {};
  const protectedTopics = tokens.size > 0 || Object.keys(users).length > 0;
  const calls: NtfyCall[] = [];
  const topics = new Map<string, NtfyMessage[]>();
  const bucket = tokenBucket(now);
  let failures = { count: 0, status: 500 };


  const authorized = (headers: http.IncomingHttpHeaders): Answer | undefined => {
    const auth = headers.authorization;
    if (!protectedTopics) return undefined;
    if (auth === undefined) return FORBIDDEN;
    const bearer = /^Bearer (.+)$/i.exec(auth)?.[1];
    if (bearer !== undefined) return tokens.has(bearer) ? undefined : UNAUTHORIZED;
    const basic = /^Basic (.+)$/i.exec(auth)?.[1];
    if (basic !== undefined) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      // ntfy also takes an access token as the password of an empty user (curl -u :tk_…).
      const ok = colon >= 0 && (user === '' ? tokens.has(password) : users[user] === password);
      return ok ? undefined : UNAUTHORIZED;
    }
    return UNAUTHORIZED;
  };

  const publish = (fields: { topic: string; message: string; title?: string | undefined; priority?: unknown; tags?: unknown; click?: string | undefined }): Answer => {
    if (!TOPIC.test(fields.topic)) return ntfyError(40010, 400, 'invalid request: topic invalid');
    const priority = parsePriority(fields.priority);
    if (priority === 'invalid') return ntfyError(40007, 400, 'invalid request: priority invalid', 'https://ntfy.sh/docs/publish/#message-priority');
    const tags = Array.isArray(fields.tags) ? fields.tags.map(String) : typeof fields.tags === 'string' ? fields.tags.split(',').map((t) => t.trim()) : [];
    if (Buffer.byteLength(fields.message) > MESSAGE_LIMIT) return ntfyError(40013, 400, 'invalid request: attachments not allowed', 'https://ntfy.sh/docs/config/#attachments');
    const time = Math.floor(now() / 1000);
    const message: NtfyMessage = {
      id: randomBytes(9).toString('base64url').slice(0, 12),
      time,
      expires: time + CACHE_SECONDS,
      event: 'message',
      topic: fields.topic,
      ...(fields.title ? { title: fields.title } : {}),
      message: fields.message || 'triggered',
      ...(priority !== undefined ? { priority } : {}),
      ...(tags.filter(Boolean).length > 0 ? { tags: tags.filter(Boolean) } : {}),
      ...(fields.click ? { click: fields.click } : {}),
    };
    topics.set(message.topic, [...(topics.get(message.topic) ?? []), message]);
    return { status: 200, body: message };
  };

  const route = (method: string, url: URL, headers: http.IncomingHttpHeaders, raw: string): Answer => {
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return ntfyError(50001, failures.status, 'internal server error');
    }
    if (!bucket.take()) return TOO_MANY;
    const refused = authorized(headers);
    if (refused) return refused;
    const path = url.pathname;
    const poll = /^\/([^/]+)\/json$/.exec(path);
    if (method === 'GET' && poll) {
      if (url.searchParams.get('poll') !== '1') return ntfyError(40000, 400, 'this stand-in only answers poll=1');
      const lines = (topics.get(poll[1]!) ?? []).map((m) => JSON.stringify(m)).join('\n');
      return { status: 200, body: lines ? `${lines}\n` : '' };
    }
    if (method !== 'POST' && method !== 'PUT') return ntfyError(40401, 404, 'page not found');
    if (path === '/') {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(raw) as Record<string, unknown>;
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
      } catch {
        return ntfyError(40017, 400, 'invalid request: request body must be message JSON', 'https://ntfy.sh/docs/publish/#publish-as-json');
      }
      const text = (key: string): string | undefined => (typeof json[key] === 'string' ? json[key] : undefined);
      return publish({ topic: text('topic') ?? '', message: text('message') ?? '', title: text('title'), priority: json.priority, tags: json.tags, click: text('click') });
    }
    const topic = /^\/([^/]+)$/.exec(path)?.[1];
    if (topic === undefined) return ntfyError(40401, 404, 'page not found');
    return publish({
      topic,
      message: raw,
      title: header(headers, 'x-title', 'title', 'ti', 't'),
      priority: header(headers, 'x-priority', 'priority', 'prio', 'p'),
      tags: header(headers, 'x-tags', 'tags', 'tag', 'ta'),
      click: header(headers, 'x-click', 'click'),
    });
  };

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = route(req.method ?? '', new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers, raw);
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw, status: answer.status });
      const text = typeof answer.body === 'string' ? answer.body : `${JSON.stringify(answer.body)}\n`;
      res.writeHead(answer.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(text);
    });
  };

  const server = restartableServer(handler);
  const listen = (): Promise<void> => server.start();
  const stop = (): Promise<void> => server.stop();

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${server.port}`;
    },
    calls,
    messages: (topic) => topics.get(topic) ?? [],
    rateLimit(next) {
      bucket.set(next ? { burst: next.burst, refillMs: next.replenishMs } : null);
    },
    failNext(count, status = 500) {
      failures = { count, status };
    },
    stop,
    start: listen,
    close: stop,
  };
}
