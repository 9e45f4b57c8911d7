import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { restartableServer } from './restartable-server';
import { tokenBucket } from './token-bucket';

/**
 * Opsgenie's Alert API v2 on 127.0.0.1, from its documentation
 * (https://docs.opsgenie.com/docs/alert-api, /docs/response, /docs/api-rate-limiting):
 *
 * - `Authorization: GenieKey <key>` on every call; anything else is 401.
 * - POST /v2/alerts creates an alert (message required, the documented field
 *   limits enforced with 422) and answers 202 {result, took, requestId}: the
 *   work is asynchronous. An alias that names an open alert does not create
 *   another: that alert's count goes up (Opsgenie's de-duplication).
 * - POST /v2/alerts/{identifier}/close?identifierType=alias|id|tiny closes it,
 *   also 202; closing what is not open is accepted and fails later, visible in
 *   GET /v2/alerts/requests/{requestId} ("Alert does not exist").
 * - GET /v2/alerts/{identifier}?identifierType=… reads an alert (by alias: the open one).
 * - A token bucket per account: when empty, 429 with X-RateLimit-State: THROTTLED,
 *   X-RateLimit-Reason and X-RateLimit-Period-In-Sec, as Opsgenie sends (no Retry-After).
 *
 * Stricter than Opsgenie where it cannot know better: fields over their
 * documented limits are refused rather than cut.
 */
export interface OpsgenieAlert {
  readonly id: string;
  readonly tinyId: string;
  readonly alias: string;
  readonly message: string;
  readonly description: string | undefined;
  readonly priority: string;
  readonly source: string | undefined;
  readonly entity: string | undefined;
  readonly tags: string[];
  readonly details: Record<string, string>;
  status: 'open' | 'closed';
  count: number;
  readonly createdAt: string;
  lastOccurredAt: string;
  /** Notes added by close requests. */
  readonly notes: string[];
}

export interface OpsgenieCall {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

export interface OpsgenieStandInOptions {
  /** The API keys it accepts (default: one, OPSGENIE_TEST_KEY). */
  readonly apiKeys?: readonly string[];
  /** The clock the rate limit runs on (ms); tests move it instead of sleeping. */
  readonly now?: () => number;
}

export interface OpsgenieStandIn {
  /** "http://127.0.0.1:PORT": the destination's `url`. */
  readonly url: string;
  readonly calls: OpsgenieCall[];
  /** Every alert ever created, oldest first. */
  readonly alerts: OpsgenieAlert[];
  /** The open alert with this alias, or else the newest closed one. */
  alertByAlias(alias: string): OpsgenieAlert | undefined;
  /** A bucket of `burst` requests, one more every `refillMs` of the clock; null lifts the limit. */
  rateLimit(limit: { burst: number; refillMs: number; periodInSec?: 1 | 60 } | null): void;
  /** Answer the next `count` requests with this 5xx, as an outage behind Opsgenie's load balancer would. */
  failNext(count: number, status?: number): void;
  /** Stop listening (connections refused) and start again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const OPSGENIE_TEST_KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';

const LIMITS = { message: 130, alias: 512, description: 15_000, entity: 512, source: 100, tags: 20, tag: 50, details: 8_000 } as const;
const PRIORITIES = new Set(['P1', 'P2', 'P3', 'P4', 'P5']);

interface RequestStatus {
  success: boolean;
  action: string;
  processedAt: string;
  status: string;
  alertId: string;
  alias: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export async function startOpsgenieStandIn(options: OpsgenieStandInOptions = {}): Promise<OpsgenieStandIn> {
  const keys = new Set(options.apiKeys ?? [OPSGENIE_TEST_KEY]);
  const now = options.now ?? Date.now;
  const calls: OpsgenieCall[] = [];
  const alerts: OpsgenieAlert[] = [];
  const requestStatuses = new Map<string, RequestStatus>();
  const bucket = tokenBucket(now);
  /** Opsgenie names the period its limit counts over in every 429. */
  let periodInSec = 60;
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const findAlert = (identifier: string, type: string): OpsgenieAlert | undefined => {
    if (type === 'alias') return alerts.find((a) => a.alias === identifier && a.status === 'open');
    if (type === 'tiny') return alerts.find((a) => a.tinyId === identifier);
    return alerts.find((a) => a.id === identifier);
  };


  const accepted = (requestId: string, status: Omit<RequestStatus, 'processedAt'>): Answer => {
    requestStatuses.set(requestId, { ...status, processedAt: new Date(now()).toISOString() });
    return { status: 202, body: { result: 'Request will be processed', took: 0.01 } };
  };

  const createAlert = (body: Record<string, unknown>, requestId: string): Answer => {
    const errors: Record<string, string> = {};
    const message = typeof body.message === 'string' ? body.message.trim() : '';
    if (!message) errors.message = 'Message can not be empty.';
    else if (message.length > LIMITS.message) errors.message = `Message can not be longer than ${LIMITS.message} characters.`;
    for (const field of ['alias', 'description', 'entity', 'source'] as const) {
      const value = body[field];
      if (value !== undefined && typeof value !== 'string') errors[field] = `${field} must be a string.`;
      else if (typeof value === 'string' && value.length > LIMITS[field]) errors[field] = `${field} can not be longer than ${LIMITS[field]} characters.`;
    }
    const priority = body.priority ?? 'P3';
    if (typeof priority !== 'string' || !PRIORITIES.has(priority)) errors.priority = 'Priority should be one of [P1, P2, P3, P4, P5].';
    const tags = body.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length > LIMITS.tag) || tags.length > LIMITS.tags) errors.tags = `At most ${LIMITS.tags} tags of at most ${LIMITS.tag} characters.`;
    const details = body.details ?? {};
    if (typeof details !== 'object' || details === null || Array.isArray(details) || Object.values(details).some((v) => typeof v !== 'string')) errors.details = 'Details should be a map of strings.';
    else if (Object.entries(details).reduce((n, [k, v]) => n + k.length + String(v).length, 0) > LIMITS.details) errors.details = `Details can not be longer than ${LIMITS.details} characters in total.`;
    if (Object.keys(errors).length > 0) return { status: 422, body: { message: 'Request body is not processable. Please check the errors.', errors, took: 0.0 } };

    const at = new Date(now()).toISOString();
    const id = randomUUID();
    const alias = typeof body.alias === 'string' && body.alias ? body.alias : id;
    const open = findAlert(alias, 'alias');
    if (open) {
      open.count += 1;
      open.lastOccurredAt = at;
      return accepted(requestId, { success: true, action: 'Create', status: 'Alert deduplicated', alertId: open.id, alias });
    }
    alerts.push({
      id,
      tinyId: String(alerts.length + 1),
      alias,
      message,
      description: body.description as string | undefined,
      priority: priority as string,
      source: body.source as string | undefined,
      entity: body.entity as string | undefined,
      tags: tags as string[],
      details: details as Record<string, string>,
      status: 'open',
      count: 1,
      createdAt: at,
      lastOccurredAt: at,
      notes: [],
    });
    return accepted(requestId, { success: true, action: 'Create', status: 'Created alert', alertId: id, alias });
  };

  const closeAlert = (identifier: string, type: string, body: Record<string, unknown>, requestId: string): Answer => {
    const alert = findAlert(identifier, type);
    if (!alert || alert.status === 'closed') return accepted(requestId, { success: false, action: 'Close', status: 'Alert does not exist', alertId: '', alias: '' });
    alert.status = 'closed';
    if (typeof body.note === 'string' && body.note) alert.notes.push(body.note);
    return accepted(requestId, { success: true, action: 'Close', status: 'Closed alert', alertId: alert.id, alias: alert.alias });
  };

  const route = (method: string, url: URL, headers: http.IncomingHttpHeaders, raw: string, requestId: string): Answer => {
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return { status: failures.status, body: { message: 'Internal Server Error', took: 0.0 } };
    }
    const auth = /^GenieKey (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (auth === undefined || !keys.has(auth)) return { status: 401, body: { message: 'Could not authenticate', took: 0.0 } };
    if (!bucket.take()) {
      return {
        status: 429,
        body: { message: 'TooManyRequests', took: 0.0 },
        headers: { 'X-RateLimit-State': 'THROTTLED', 'X-RateLimit-Reason': 'ACCOUNT', 'X-RateLimit-Period-In-Sec': String(periodInSec) },
      };
    }
    let body: Record<string, unknown> = {};
    if (method === 'POST' && raw.trim()) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return { status: 400, body: { message: 'Could not parse request body.', took: 0.0 } };
      }
    }
    const type = url.searchParams.get('identifierType') ?? 'id';
    const path = url.pathname;
    if (method === 'POST' && /^\/v2\/alerts\/?$/.test(path)) return createAlert(body, requestId);
    const request = /^\/v2\/alerts\/requests\/([^/]+)\/?$/.exec(path);
    if (method === 'GET' && request) {
      const found = requestStatuses.get(request[1]!);
      if (!found) return { status: 404, body: { message: 'Request does not exist', took: 0.0 } };
      return { status: 200, body: { data: { ...found, isSuccess: found.success, integrationId: 'c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03' }, took: 0.01 } };
    }
    const close = /^\/v2\/alerts\/([^/]+)\/close\/?$/.exec(path);
    if (method === 'POST' && close) return closeAlert(decodeURIComponent(close[1]!), type, body, requestId);
    const one = /^\/v2\/alerts\/([^/]+)\/?$/.exec(path);
    if (method === 'GET' && one) {
      const alert = findAlert(decodeURIComponent(one[1]!), type);
      if (!alert) return { status: 404, body: { message: 'Alert does not exist', took: 0.0 } };
      return { status: 200, body: { data: { ...alert, notes: undefined }, took: 0.01 } };
    }
    return { status: 404, body: { message: 'Could not find resource', took: 0.0 } };
  };

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const requestId = randomUUID();
      const answer = route(req.method ?? '', new URL(req.url ?? '/', 'http://127.0.0.1'), req.headers, raw, requestId);
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw, status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', 'X-Request-ID': requestId, 'X-Response-Time': '0.010', ...answer.headers });
      res.end(JSON.stringify({ ...answer.body, requestId }));
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
    alerts,
    alertByAlias: (alias) => alerts.find((a) => a.alias === alias && a.status === 'open') ?? alerts.filter((a) => a.alias === alias).at(-1),
    rateLimit(next) {
      // Token bucket, refilled by the clock: Opsgenie's documented strategy.
      bucket.set(next ? { burst: next.burst, refillMs: next.refillMs } : null);
      periodInSec = next?.periodInSec ?? 60;
    },
    failNext(count, status = 500) {
      failures = { count, status };
    },
    stop,
    start: listen,
    close: stop,
  };
}
