import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { matchesSelector } from '../core/label-selector';
import type { AddressInfo } from 'node:net';
import { errorMessage, NodegridError } from '../core/errors';
import { redactSecrets } from '../core/secrets';
import { nodeHistory } from '../grid/time-travel';
import type { Color, EventsResponse, NodesResponse } from './api';
import { findAssetDir, loadAssets, type AssetSet } from './assets';
import { hostHeaderIsLoopback } from '../sys/loopback';
import { bearerToken, clientKey, cookieValue, SESSION_COOKIE, Sessions, TokenAttempts, tokensEqual } from './auth';
import { CompressedJson } from './compressed-json';
import { send, sendJson, sendText } from './headers';
import { LiveGrid, type GridReading } from './live';
import { sendMetrics } from './metrics-route';
import { PastRoutes } from './past-routes';
import { routeRequest, type Route } from './request';

/**
 * `nodegrid serve`: the dashboard over node:http. Read-only; every route is
 * an exact path (request.ts), every response carries the security headers
 * (headers.ts), and with a token nothing is answered without it (auth.ts).
 */
export interface DashboardOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string | undefined;
  readonly refreshSeconds: number;
  readonly read: () => Promise<GridReading>;
  /** Where the grid comes from, credentials already hidden. */
  readonly source: string;
  readonly stateColors: Readonly<Record<string, Color>>;
  readonly secrets: readonly string[];
  readonly log: (line: string) => void;
  /** Defaults to web/ beside the bundle. */
  readonly assetDir?: string | undefined;
}

export interface RunningDashboard {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const assets = loadAssets(options.assetDir ?? findAssetDir(import.meta.url));
  const live = new LiveGrid({ read: options.read, refreshMs: options.refreshSeconds * 1000, secrets: options.secrets, log: options.log });
  const sessions = new Sessions();
  const attempts = new TokenAttempts();
  const past = new PastRoutes({ live, secrets: options.secrets, log: options.log });
  const nodesAnswer = new CompressedJson();
  // Listening does not wait for the first read: a remote that hangs must not keep the dashboard
  // from coming up. The routes that show the grid wait for it (bounded by the fetch timeout).
  let firstRead: Promise<void> | undefined;
  const ready = (): Promise<void> => firstRead ?? Promise.resolve();
  const server = http.createServer((req, res) => {
    handle(req, res, { options, assets, live, past, sessions, attempts, ready, nodesAnswer }).catch((error: unknown) => {
      options.log(`request failed: ${redactSecrets(errorMessage(error), options.secrets)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error; see the server log', req.method === 'HEAD');
      else res.destroy();
    });
  });
  // Slow or oversized request heads are cut off early; event streams are responses, not requests, so they stay open.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      live.stop();
      reject(new NodegridError('E_BAD_INPUT', `cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`, { hint: 'choose another --port, or stop what is using it' }));
    });
    server.listen(options.port, options.host, resolve);
  });
  firstRead = live.start().catch((error: unknown) => options.log(`first read failed: ${redactSecrets(errorMessage(error), options.secrets)}`));
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: async () => {
      live.stop();
      // A first read still under way schedules refreshes when it ends: stop those too.
      void firstRead.then(() => live.stop());
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Handler {
  readonly options: DashboardOptions;
  readonly assets: AssetSet;
  readonly live: LiveGrid;
  readonly past: PastRoutes;
  readonly sessions: Sessions;
  readonly attempts: TokenAttempts;
  /** /api/nodes, compressed and tagged with the grid's version. */
  readonly nodesAnswer: CompressedJson;
  /** Settles once the first read of the grid is done, whether it succeeded or not. */
  readonly ready: () => Promise<void>;
}

async function handle(req: IncomingMessage, res: ServerResponse, h: Handler): Promise<void> {
  const { options } = h;
  const head = req.method === 'HEAD';
  const routed = routeRequest(req.method, req.url, h.assets.names);
  if (options.token === undefined) {
    if (!hostHeaderIsLoopback(req.headers.host)) {
      sendText(res, 403, 'this dashboard answers only to a loopback host name (127.0.0.1, localhost, [::1]); serve with --token to share it', head);
      return;
    }
  } else if (!admitted(req, res, routed, head, options.token, h)) {
    return;
  }
  if (!routed.ok) {
    sendText(res, routed.status, routed.message, head, routed.status === 405 ? { Allow: 'GET, HEAD' } : {});
    return;
  }
  if (!['page', 'asset', 'login'].includes(routed.route.kind)) await h.ready();
  await answer(routed.route, req, res, head, h);
}

const NEED_TOKEN = 'a token is needed: open /login?token=<token> once, or send Authorization: Bearer <token>';

/**
 * With a token: a bearer header, /login?token= or a session cookie. A wrong
 * token is counted against the client's address (and logged); a client with
 * too many is answered 429 with Retry-After, whatever it sends, until its
 * window passes. True when the request may go on.
 */
function admitted(req: IncomingMessage, res: ServerResponse, routed: ReturnType<typeof routeRequest>, head: boolean, token: string, h: Handler): boolean {
  const login = routed.ok && routed.route.kind === 'login' ? routed.route : undefined;
  const unauthorized = (message: string): false => {
    sendText(res, 401, message, head, { 'WWW-Authenticate': 'Bearer realm="nodegrid"' });
    return false;
  };
  const guess = login ? login.token : bearerToken(req.headers.authorization);
  if (guess === undefined) {
    // /login without a token is answered by login(); a cookie is a random session id, not a guess.
    return login !== undefined || h.sessions.has(cookieValue(req.headers.cookie, SESSION_COOKIE)) || unauthorized(NEED_TOKEN);
  }
  const client = clientKey(req.socket.remoteAddress);
  const now = Date.now();
  const waitMs = h.attempts.retryAfterMs(client, now);
  if (waitMs > 0) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    sendText(res, 429, `too many wrong tokens from ${client}; try again in ${seconds} s`, head, { 'Retry-After': String(seconds) });
    return false;
  }
  if (tokensEqual(guess, token)) return true;
  const count = h.attempts.fail(client, now);
  const blocked = count >= h.attempts.limit ? `; refusing its tokens for ${Math.ceil(h.attempts.retryAfterMs(client, now) / 1000)} s` : '';
  h.options.log(`wrong token from ${client} (${count} in the last ${h.attempts.windowMs / 1000} s)${blocked}`);
  return unauthorized(login ? 'wrong or missing token' : NEED_TOKEN);
}

async function answer(route: Route, req: IncomingMessage, res: ServerResponse, head: boolean, h: Handler): Promise<void> {
  const { options, live } = h;
  switch (route.kind) {
    case 'page':
      send(res, 200, h.assets.page.type, h.assets.page.body, head);
      return;
    case 'asset': {
      const asset = h.assets.files.get(route.name)!;
      send(res, 200, asset.type, asset.body, head);
      return;
    }
    case 'login':
      login(route.token, res, head, h);
      return;
    case 'nodes': {
      const info = live.info();
      const body = (): NodesResponse => ({
        ...info,
        source: options.source,
        refreshSeconds: options.refreshSeconds,
        stateColors: options.stateColors,
        nodes: [...live.current.nodes.values()].filter((node) => route.selector === undefined || matchesSelector(node.labels ?? {}, route.selector)),
      });
      // What the answer holds besides its times: the grid's version, the selector, whether the last refresh failed.
      const version = JSON.stringify([info.version, route.selector ?? null, info.refreshError]);
      h.nodesAnswer.send(req, res, version, body, head);
      return;
    }
    case 'events': {
      const body: EventsResponse = { events: live.events.latest(route.limit) };
      sendJson(res, body, head);
      return;
    }
    case 'history':
      await history(route.id, res, head, h);
      return;
    case 'beats':
      await h.past.beats(route.id, res, head);
      return;
    case 'at':
      await h.past.at(route.time, res, head);
      return;
    case 'stream':
      live.attach(req, res, options.refreshSeconds, head);
      return;
    case 'metrics':
      sendMetrics(res, live, head);
      return;
  }
}

function login(token: string | undefined, res: ServerResponse, head: boolean, h: Handler): void {
  const expected = h.options.token;
  if (expected !== undefined && (token === undefined || !tokensEqual(token, expected))) {
    sendText(res, 401, 'wrong or missing token', head, { 'WWW-Authenticate': 'Bearer realm="nodegrid"' });
    return;
  }
  // The token leaves the address bar at once; the browser keeps only a random session id it cannot read from script.
  const cookie: Record<string, string> = expected === undefined ? {} : { 'Set-Cookie': `${SESSION_COOKIE}=${h.sessions.create()}; HttpOnly; SameSite=Strict; Path=/` };
  sendText(res, 303, 'logged in; continue at /', head, { Location: '/', ...cookie });
}

async function history(id: string, res: ServerResponse, head: boolean, h: Handler): Promise<void> {
  try {
    sendJson(res, await nodeHistory(h.live.location, id, h.live.record(id)), head);
  } catch (error) {
    if (error instanceof NodegridError && error.code === 'E_NOT_FOUND') {
      sendText(res, 404, `no node ${id} in presence`, head);
      return;
    }
    h.options.log(`history of ${id} failed: ${redactSecrets(errorMessage(error), h.options.secrets)}`);
    sendText(res, 502, `cannot read the history of ${id}; see the server log`, head);
  }
}
