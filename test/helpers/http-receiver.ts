import type http from 'node:http';
import { restartableServer } from './restartable-server';

/**
 * A real HTTP server on 127.0.0.1 standing in for Slack, Discord, Teams …:
 * it records every request and answers as scripted (429 with Retry-After,
 * 500, 404, a hang), and can be stopped and started again on the same port
 * to play an outage.
 */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Epoch ms when the request was complete. */
  readonly at: number;
  /** The status it was answered with. */
  status: number;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Never answer (a hung service); the client's timeout must end it. */
  readonly hang?: boolean;
  /** Answer with the request itself (path, headers, body) as the body, as a careless proxy's error page does. */
  readonly echo?: boolean;
}

export interface HttpReceiver {
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** "http://127.0.0.1:PORT" + path. */
  url(path: string): string;
  /** Answers for the next requests, in order; afterwards the default answer. */
  script(...answers: ScriptedAnswer[]): void;
  /** The answer once the script is used up (default 200 "ok"). */
  setDefault(answer: ScriptedAnswer): void;
  /** Requests whose path starts with the prefix. */
  on(pathPrefix: string): ReceivedRequest[];
  /** Resolves once `count` requests (with the prefix) have arrived. */
  waitFor(count: number, pathPrefix?: string, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let scripted: ScriptedAnswer[] = [];
  let fallback: ScriptedAnswer = { status: 200, body: 'ok' };
  const hung = new Set<http.ServerResponse>();

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = scripted.shift() ?? fallback;
      const record: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status: answer.status };
      requests.push(record);
      if (answer.hang) {
        hung.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.echo ? `${record.method} ${record.path} ${JSON.stringify(record.headers)} ${record.body}` : (answer.body ?? ''));
    });
  };

  const server = restartableServer(handler, {
    keepAliveTimeoutMs: 100,
    // A hung answer would keep close() waiting for ever.
    beforeStop: () => {
      for (const res of hung) res.destroy();
      hung.clear();
    },
  });
  const listen = (): Promise<void> => server.start();
  const stop = (): Promise<void> => server.stop();

  await listen();
  const on = (prefix: string): ReceivedRequest[] => requests.filter((r) => r.path.startsWith(prefix));
  return {
    get port() {
      return server.port;
    },
    requests,
    url: (path) => `http://127.0.0.1:${server.port}${path}`,
    script: (...answers) => {
      scripted = [...scripted, ...answers];
    },
    setDefault: (answer) => {
      fallback = answer;
    },
    on,
    async waitFor(count, prefix = '/', timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (on(prefix).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests under ${prefix}, got ${on(prefix).length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return on(prefix);
    },
    stop,
    start: listen,
    close: stop,
  };
}
