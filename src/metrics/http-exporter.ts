import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodegridError } from '../core/errors';
import { hostHeaderIsLoopback, isLoopbackAddress } from '../sys/loopback';
import { EXPOSITION_CONTENT_TYPE } from './exposition';

/**
 * A scrape endpoint for a process that is not the dashboard (the monitor):
 * GET /metrics and nothing else. The body is rendered per request from the
 * caller's last result, so a scrape never triggers a read of presence.
 */
export interface ExporterOptions {
  readonly host: string;
  readonly port: number;
  /** The exposition text, or undefined before there is anything to show (answered 503). */
  readonly render: () => string | undefined;
}

export interface RunningExporter {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsExporter(options: ExporterOptions): Promise<RunningExporter> {
  const loopback = isLoopbackAddress(options.host);
  const server = http.createServer((req, res) => {
    const answer = (status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = 'text/plain; charset=utf-8';
    // Bound to loopback, a web page in a local browser could still reach it by DNS rebinding; the Host header gives that away.
    if (loopback && !hostHeaderIsLoopback(req.headers.host)) return answer(403, text, 'answers only to a loopback host name\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, text, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(404, text, 'not found; metrics are at /metrics\n');
    const body = options.render();
    if (body === undefined) return answer(503, text, 'no monitor pass has finished yet\n', { 'Retry-After': '10' });
    answer(200, EXPOSITION_CONTENT_TYPE, body);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new NodegridError('E_BAD_INPUT', `cannot listen for metrics on ${options.host}:${options.port}: ${error.code ?? error.message}`, { hint: 'choose another --metrics-port, or stop what is using it' }));
    });
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
