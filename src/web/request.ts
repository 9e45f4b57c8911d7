import { isValidInstanceId } from '../core/ids';
import { parseSelectorText, type LabelSelector } from '../core/label-selector';

/**
 * Turns a request line into a route, or a 4xx with a short message. Pure, so
 * every hostile shape (traversal, huge queries, bad ids) is tested without a
 * socket. Only exact paths are served: there is no file-system lookup that a
 * crafted path could steer.
 */
export type Route =
  | { readonly kind: 'page' }
  | { readonly kind: 'asset'; readonly name: string }
  | { readonly kind: 'login'; readonly token: string | undefined }
  /** `?selector=env=prod,!legacy`: only the nodes whose labels match, as `nodes -l` selects them. */
  | { readonly kind: 'nodes'; readonly selector?: LabelSelector | undefined }
  | { readonly kind: 'history'; readonly id: string }
  | { readonly kind: 'beats'; readonly id: string }
  /** The time as written: it is read against the server's clock (relative times, --now), in past-routes.ts. */
  | { readonly kind: 'at'; readonly time: string }
  | { readonly kind: 'events'; readonly limit: number }
  | { readonly kind: 'stream' }
  | { readonly kind: 'metrics' };

export type Routed = { readonly ok: true; readonly route: Route; readonly head: boolean } | { readonly ok: false; readonly status: number; readonly message: string };

/** Long enough for any real link (a /login token, an id of 128 characters); a few KB is an attack or a mistake. */
export const MAX_URL_LENGTH = 4096;
export const MAX_QUERY_LENGTH = 2048;
export const MAX_EVENTS_LIMIT = 500;

export function routeRequest(method: string | undefined, rawUrl: string | undefined, assets: ReadonlySet<string>): Routed {
  if (method !== 'GET' && method !== 'HEAD') return fail(405, 'the dashboard is read-only: only GET and HEAD are answered');
  const head = method === 'HEAD';
  const url = rawUrl ?? '';
  if (url.length > MAX_URL_LENGTH) return fail(414, `request target longer than ${MAX_URL_LENGTH} characters`);
  if (!url.startsWith('/')) return fail(400, 'request target must be a path');
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  if (query.length > MAX_QUERY_LENGTH) return fail(414, `query string longer than ${MAX_QUERY_LENGTH} characters`);
  const segments = splitPath(rawPath);
  if (!segments) return fail(400, 'malformed or traversing path refused');
  const ok = (route: Route): Routed => ({ ok: true, route, head });
  const joined = segments.join('/');

  if (joined === '' || joined === 'index.html') return ok({ kind: 'page' });
  if (segments.length === 1 && assets.has(joined)) return ok({ kind: 'asset', name: joined });
  if (joined === 'login') return ok({ kind: 'login', token: new URLSearchParams(query).get('token') ?? undefined });
  if (joined === 'events') return ok({ kind: 'stream' });
  if (joined === 'metrics') return ok({ kind: 'metrics' });
  if (joined === 'api/nodes') {
    const raw = new URLSearchParams(query).get('selector');
    if (raw === null) return ok({ kind: 'nodes' });
    const parsed = parseSelectorText(raw);
    if (!parsed.ok) return fail(400, `selector is not a label selector: ${parsed.problem}`);
    return ok({ kind: 'nodes', selector: parsed.selector });
  }
  if (joined === 'api/events') {
    const raw = new URLSearchParams(query).get('limit');
    if (raw === null) return ok({ kind: 'events', limit: 100 });
    const limit = Number(raw);
    if (!/^\d{1,4}$/.test(raw) || limit < 1 || limit > MAX_EVENTS_LIMIT) return fail(400, `limit must be a whole number from 1 to ${MAX_EVENTS_LIMIT}`);
    return ok({ kind: 'events', limit });
  }
  if (joined === 'api/at') {
    const raw = new URLSearchParams(query).get('time');
    if (raw === null || raw.trim() === '') return fail(400, 'a time is needed: /api/at?time=2015-10-08T21:13 (UTC unless a zone is given), or time=10m for ten minutes ago');
    return ok({ kind: 'at', time: raw });
  }
  if (segments.length === 4 && segments[0] === 'api' && segments[1] === 'nodes' && (segments[3] === 'history' || segments[3] === 'beats')) {
    const id = segments[2]!;
    if (!isValidInstanceId(id)) return fail(400, 'not a valid instance id: 1-128 characters from A-Z a-z 0-9 . _ -');
    return ok({ kind: segments[3], id });
  }
  return fail(404, 'not found');
}

/**
 * "/api/nodes/i-1/history" -> ["api", "nodes", "i-1", "history"]; undefined
 * for anything that decodes into a dot segment, a separator or a control
 * character, so "/%2e%2e/" and "/a%2Fb" never reach a route.
 */
export function splitPath(rawPath: string): string[] | undefined {
  if (/[\\\u0000-\u001f]/.test(rawPath) || rawPath.includes('//')) return undefined;
  const parts = rawPath.split('/').slice(1);
  if (parts.at(-1) === '') parts.pop();
  const out: string[] = [];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\u0000-\u001f\u007f]/.test(decoded)) return undefined;
    out.push(decoded);
  }
  return out;
}

function fail(status: number, message: string): Routed {
  return { ok: false, status, message };
}
