import http from 'node:http';
import { cleanEnv, nodegridBin } from './cli';
import { startServeProcess, type ServeProcess } from './dashboard.mjs';

export type { ServeProcess };

/** `nodegrid serve` of the test run's bundle as a real process on 127.0.0.1, port chosen by the OS. */
export function startServe(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  return startServeProcess(nodegridBin(), args, { ...cleanEnv(), ...env });
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request to 127.0.0.1 only; an event stream is read for `streamMs` and then cut. */
export function request(port: number, path: string, options: { method?: string; headers?: Record<string, string>; streamMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.on('end', done);
      if (res.headers['content-type']?.startsWith('text/event-stream') && options.method !== 'HEAD') {
        setTimeout(() => {
          res.destroy();
          done();
        }, options.streamMs ?? 300);
      }
    });
    req.on('error', reject);
    req.end();
  });
}
