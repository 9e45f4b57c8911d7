import { errorMessage } from '../core/errors';
import { formatTimeout } from '../core/time';
import { redactedSnippet } from './redact-url';
import type { SinkFailure } from './sink';
import { NETWORK_REASONS } from '../core/network-reasons';

/** One HTTP request a sink sends: chat webhooks, paging APIs. POST unless said otherwise. */
export interface HttpRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly method?: 'POST' | 'PUT' | undefined;
}

/**
 * One POST to a chat service or paging API, and what its answer means for delivery:
 * 2xx delivered; 429 wait as told (Retry-After, Discord's X-RateLimit-*);
 * 5xx, timeouts and network errors retry later; any other 4xx is a refusal
 * (a deleted webhook, a wrong token) that is given up after a few tries.
 * Messages name the destination by its redacted URL, never the URL itself.
 */
export interface PostResult {
  readonly ok: boolean;
  readonly status?: number | undefined;
  readonly failure?: SinkFailure | undefined;
  /** The service asked for a pause before the next post (429, or Discord's bucket is empty). */
  readonly waitMs?: number | undefined;
}

export interface PostOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** "chat:ops (slack https://hooks.slack.com/services/T…/****)": how messages name the destination. */
  readonly label: string;
  /** Stripped from any text a receiver sends back. */
  readonly secrets: readonly string[];
}

const MAX_WAIT_MS = 3_600_000;
const BODY_SNIPPET = 200;

export async function postHttpRequest(request: HttpRequest, options: PostOptions): Promise<PostResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? eitherSignal(options.signal, timeout) : timeout;
  let answer: RawAnswer;
  try {
    answer = await httpPost(request, signal);
  } catch (error) {
    const why = timeout.aborted ? `no answer within ${formatTimeout(options.timeoutMs)}` : options.signal?.aborted ? 'the delivery time budget ran out' : networkReason(error);
    return { ok: false, failure: { message: `${options.label}: ${why}` } };
  }
  return classifyResponse(answer.status, answer.statusText, answer.headers, snippet(answer.body, options.secrets), options.label);
}

/** Header lookup as the WHATWG Headers class has it (tests pass real Headers). */
export interface HeaderLookup {
  get(name: string): string | null;
}

interface RawAnswer {
  status: number;
  statusText: string;
  headers: HeaderLookup;
  body: string;
}

/**
 * node:http rather than fetch: fetch keeps the connection in a pool after the
 * answer, which keeps a one-shot `state set` alive for a few hundred ms more
 * (and loading undici costs about as much again). One connection per post,
 * closed with the answer, is right for a process that posts once and exits.
 */
async function httpPost(request: HttpRequest, signal: AbortSignal): Promise<RawAnswer> {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: request.method ?? 'POST', agent: false, signal, headers: { ...request.headers, connection: 'close', 'content-length': Buffer.byteLength(request.body) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          // Only the start of an answer is ever shown; a huge error page is not kept.
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

const MAX_ANSWER_BYTES = 16 * 1024;

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

export function classifyResponse(status: number, statusText: string, headers: HeaderLookup, body: string, label: string): PostResult {
  const waitMs = rateLimitWaitMs(status, headers, body);
  if (status >= 200 && status < 300) return { ok: true, status, waitMs };
  const detail = `HTTP ${status}${statusText ? ` ${statusText}` : ''}${body ? ` (${body})` : ''}`;
  if (status === 429) {
    const retryAfterMs = waitMs ?? 1000;
    return { ok: false, status, waitMs: retryAfterMs, failure: { message: `${label}: rate limited, ${detail}; retrying after ${formatTimeout(retryAfterMs)}`, retryAfterMs } };
  }
  if (status >= 500 || status === 408) return { ok: false, status, failure: { message: `${label}: the service failed, ${detail}; will retry` } };
  const advice =
    status === 401 || status === 403
      ? 'the token or webhook is not allowed to post; check the destination in the config'
      : status === 404 || status === 410
        ? 'the webhook was deleted or the URL is wrong; fix the destination in the config'
        : 'the service refused the message; check the destination in the config';
  return { ok: false, status, failure: { message: `${label}: ${detail}: ${advice}`, permanent: true } };
}

/** Retry-After (seconds or an HTTP date), Discord's X-RateLimit-Reset-After when the bucket is empty, or its 429 body, or Opsgenie's X-RateLimit-Period-In-Sec. */
export function rateLimitWaitMs(status: number, headers: HeaderLookup, body: string, now = Date.now()): number | undefined {
  const candidates: number[] = [];
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) candidates.push(seconds * 1000);
    else if (!Number.isNaN(Date.parse(retryAfter))) candidates.push(Date.parse(retryAfter) - now);
  }
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  if ((status === 429 || headers.get('x-ratelimit-remaining') === '0') && Number.isFinite(resetAfter) && resetAfter > 0) candidates.push(resetAfter * 1000);
  if (status === 429) {
    // Opsgenie sends no Retry-After; it names the period its limit counts over (1 or 60 s).
    const period = Number(headers.get('x-ratelimit-period-in-sec'));
    if (Number.isFinite(period) && period > 0) candidates.push(period * 1000);
    const fromBody = /"retry_after"\s*:\s*([0-9.]+)/.exec(body)?.[1];
    if (fromBody !== undefined) candidates.push(Number(fromBody) * 1000);
  }
  const valid = candidates.filter((ms) => Number.isFinite(ms));
  if (valid.length === 0) return undefined;
  return Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(Math.max(...valid))));
}

/** The start of the answer, one line, secrets removed: Slack says "no_service", Discord says why in JSON. */
function snippet(text: string, secrets: readonly string[]): string {
  const out = redactedSnippet(text, secrets, BODY_SNIPPET);
  return out === 'ok' ? '' : out;
}


/** Node's socket errors carry a code; their messages may name the host and port, so only a fixed phrase is shown. */
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_REASONS[code]) return NETWORK_REASONS[code];
  if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) return `TLS failure (${code})`;
  if (typeof code === 'string') return `network error (${code})`;
  return `request failed (${errorMessage(error).split(':')[0]?.slice(0, 60) ?? 'unknown'})`;
}

/** AbortSignal.any, which Node 20 has only from 20.3. */
function eitherSignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

