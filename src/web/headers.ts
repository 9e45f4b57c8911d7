import type { ServerResponse } from 'node:http';

/**
 * Headers on every response, errors and the event stream included. Scripts
 * and styles come only from files the server itself serves: node data can
 * never become code even if a rendering bug let markup through.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The grid changes every refresh and may sit behind a token: nothing is cached.
  'Cache-Control': 'no-store',
};

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), ...extra });
  // HEAD gets the same status and headers as GET, Content-Length included, and no body.
  res.end(head ? undefined : bytes);
}

export function sendJson(res: ServerResponse, value: unknown, head: boolean): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value), head);
}

export function sendText(res: ServerResponse, status: number, message: string, head: boolean, extra: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', `${message}\n`, head, extra);
}
