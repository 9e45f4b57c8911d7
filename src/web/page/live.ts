import type { HelloMessage, UpdateMessage } from '../api';
import { byId } from './dom';
import { clock } from './format';

/**
 * Live updates over Server-Sent Events. The page never polls for the grid;
 * it only watches how long ago the server last spoke, and says so when the
 * data is stale or the server is gone.
 */
export interface LiveHandlers {
  onHello(hello: HelloMessage): void;
  onUpdate(update: UpdateMessage): void;
  /** While the page shows the past: what the status says instead of "live" (undefined when live). */
  paused(): string | undefined;
}

export function connectLive(handlers: LiveHandlers, refreshSeconds: () => number): void {
  let lastHeard = Date.now();
  let lostSince: number | undefined;
  let source: EventSource;
  const status = byId('status');
  const show = (kind: string, text: string): void => {
    status.className = `status ${kind}`;
    status.textContent = text;
  };
  const liveOr = (text: string): [string, string] => {
    const paused = handlers.paused();
    return paused === undefined ? ['live', text] : ['paused', paused];
  };
  const open = (): void => {
    source = new EventSource('/events');
    source.addEventListener('hello', (event) => {
      lastHeard = Date.now();
      lostSince = undefined;
      show(...liveOr(`live · every ${refreshSeconds()} s`));
      handlers.onHello(JSON.parse((event as MessageEvent<string>).data) as HelloMessage);
    });
    source.addEventListener('update', (event) => {
      lastHeard = Date.now();
      const update = JSON.parse((event as MessageEvent<string>).data) as UpdateMessage;
      if (update.refreshError) show('failing', `refresh failing since ${clock(new Date(lastHeard))}; showing older data`);
      else show(...liveOr(`live · updated ${clock(new Date(update.refreshedAt))} UTC`));
      handlers.onUpdate(update);
    });
    source.addEventListener('error', () => {
      lostSince ??= Date.now();
      show('gone', `server unreachable since ${clock(new Date(lostSince))} UTC; retrying…`);
      // A closed stream (the server restarted with a token, say) is not retried by the browser itself.
      if (source.readyState === EventSource.CLOSED) window.setTimeout(open, 5000);
    });
  };
  open();
  window.setInterval(() => {
    if (lostSince !== undefined) return;
    const silentMs = Date.now() - lastHeard;
    if (silentMs > (refreshSeconds() * 2 + 10) * 1000) show('stale', `stale: no update from the server since ${clock(new Date(lastHeard))} UTC`);
  }, 2000);
}
