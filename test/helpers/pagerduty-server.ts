import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in for PagerDuty's Events API v2 (`POST /v2/enqueue`), written from
 * PagerDuty's documentation: a JSON event with a 32-character `routing_key`,
 * `event_action` trigger/acknowledge/resolve, a `dedup_key` of at most 255
 * characters, and for a trigger a `payload` with `summary` (at most 1024
 * characters), `source` and `severity` (critical, error, warning, info).
 * Accepted: 202 `{"status":"success","message":"Event processed","dedup_key":…}`;
 * refused: 400 `{"status":"invalid event","message":"Event object is invalid","errors":[…]}`;
 * over the rate limit: 429. Alerts fold into incidents by dedup_key as
 * PagerDuty does: a trigger on an open incident adds an alert to it, a
 * trigger after its resolve opens a new one.
 *
 * It listens on plain HTTP (what nodegrid is pointed at in tests) and on
 * HTTPS with a self-signed certificate, because PagerDuty's own client
 * library, @pagerduty/pdjs, only speaks https:// (it checks this stand-in).
 */
export interface PagerDutyIncident {
  readonly dedupKey: string;
  readonly number: number;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Triggers folded into it. */
  alerts: number;
  summary: string;
  severity: string;
  source: string;
  customDetails: unknown;
  links: unknown;
}

export interface PagerDutyStandIn {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** https://127.0.0.1:PORT, with `ca` to trust it. */
  readonly httpsUrl: string;
  readonly ca: string;
  /** Every event body received, accepted or not, with the status it was answered. */
  readonly received: Array<{ body: Record<string, unknown>; status: number }>;
  incidents(): PagerDutyIncident[];
  /** Incidents by dedup key, the latest of each. */
  open(): string[];
  /** At most this many events per `windowMs`, then 429 (PagerDuty limits events per routing key per minute). */
  rateLimit(limit: number, windowMs: number): void;
  /** Answer everything with this status (500 for an outage), or undefined for normal service. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

export async function startPagerDutyStandIn(options: { routingKeys: readonly string[] }): Promise<PagerDutyStandIn> {
  const received: PagerDutyStandIn['received'] = [];
  const incidents: PagerDutyIncident[] = [];
  let limit: { max: number; windowMs: number; times: number[] } | undefined;
  let failing: number | undefined;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const answer = (status: number, body: unknown, parsed: Record<string, unknown> = {}): void => {
        received.push({ body: parsed, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(404, { status: 'not found' });
      if (failing !== undefined) return answer(failing, { status: 'error', message: 'internal error' });
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] });
      }
      if (limit) {
        const now = Date.now();
        limit.times = limit.times.filter((at) => now - at < limit!.windowMs);
        if (limit.times.length >= limit.max) return answer(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' }, event);
        limit.times.push(now);
      }
      const errors = validate(event, options.routingKeys);
      if (errors.length > 0) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors }, event);
      const dedupKey = typeof event.dedup_key === 'string' ? event.dedup_key : `generated-${received.length + 1}`;
      const current = [...incidents].reverse().find((incident) => incident.dedupKey === dedupKey && incident.status !== 'resolved');
      const payload = (event.payload ?? {}) as Record<string, unknown>;
      if (event.event_action === 'trigger') {
        if (current) current.alerts++;
        else
          incidents.push({
            dedupKey,
            number: incidents.length + 1,
            status: 'triggered',
            alerts: 1,
            summary: String(payload.summary),
            severity: String(payload.severity),
            source: String(payload.source),
            customDetails: payload.custom_details,
            links: event.links,
          });
      } else if (current) {
        current.status = event.event_action === 'resolve' ? 'resolved' : 'acknowledged';
      }
      answer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey }, event);
    });
  };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pagerduty-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const ca = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  const plain = http.createServer(handle);
  const secure = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: ca }, handle);
  fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all([plain, secure].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const port = (server: http.Server): number => (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port(plain)}`,
    httpsUrl: `https://127.0.0.1:${port(secure)}`,
    ca,
    received,
    incidents: () => incidents,
    open: () => incidents.filter((incident) => incident.status !== 'resolved').map((incident) => incident.dedupKey),
    rateLimit: (max, windowMs) => {
      limit = { max, windowMs, times: [] };
    },
    failWith: (status) => {
      failing = status;
    },
    close: async () => {
      for (const server of [plain, secure]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function validate(event: Record<string, unknown>, routingKeys: readonly string[]): string[] {
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) errors.push("'routing_key' must be a 32 character string");
  else if (!routingKeys.includes(event.routing_key)) errors.push('Invalid routing key');
  if (typeof event.event_action !== 'string' || !ACTIONS.has(event.event_action)) errors.push("'event_action' is missing or blank");
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== 'string' || event.dedup_key.length > 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
  if (event.event_action !== 'trigger' && typeof event.dedup_key !== 'string') errors.push("'dedup_key' is required for acknowledge and resolve");
  if (event.event_action === 'trigger') {
    const payload = event.payload as Record<string, unknown> | undefined;
    if (typeof payload !== 'object' || payload === null) errors.push("'payload' is missing or blank");
    else {
      if (typeof payload.summary !== 'string' || payload.summary.length === 0) errors.push("'payload.summary' is missing or blank");
      else if (payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (typeof payload.source !== 'string' || payload.source.length === 0) errors.push("'payload.source' is missing or blank");
      if (typeof payload.severity !== 'string' || !SEVERITIES.has(payload.severity)) errors.push("'payload.severity' must be one of critical, error, warning, info");
      if (payload.timestamp !== undefined && (typeof payload.timestamp !== 'string' || Number.isNaN(Date.parse(payload.timestamp)))) errors.push("'payload.timestamp' is not an ISO 8601 time");
    }
  }
  return errors;
}
