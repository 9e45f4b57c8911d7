import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 that a test can stop (connections refused, as
 * an outage) and start again on the same port: what every stand-in needs.
 */
export interface RestartableServer {
  /** The port, fixed by the first start. */
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function restartableServer(handler: http.RequestListener, options: { keepAliveTimeoutMs?: number; beforeStop?: () => void } = {}): RestartableServer {
  let server: http.Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    start: () =>
      new Promise((resolve, reject) => {
        const s = http.createServer(handler);
        if (options.keepAliveTimeoutMs !== undefined) s.keepAliveTimeout = options.keepAliveTimeoutMs;
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          port = (s.address() as AddressInfo).port;
          server = s;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        options.beforeStop?.();
        const s = server;
        server = undefined;
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}
