import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../core/errors';
import { redactSecrets } from '../core/secrets';
import type { PresenceView } from '../presence/store';
import type { FileProblem, PresenceRecord } from '../presence/read';
import type { GridNode } from '../grid/view';
import type { HelloMessage, RefreshInfo, SkippedDocument, UpdateMessage } from './api';
import { SECURITY_HEADERS } from './headers';
import { buildSnapshot, diffSnapshots, EventLog, eventsFromStatelogs, type GridSnapshot } from './snapshot';

/**
 * The server side of "live": re-read presence every refresh period, diff it
 * against the last read and push only the difference to every open page over
 * Server-Sent Events. A failed refresh keeps the last good grid and says so.
 */
export interface GridReading {
  readonly nodes: readonly GridNode[];
  readonly problems: readonly FileProblem[];
  readonly now: Date;
  readonly location: PresenceView;
}

export interface LiveGridOptions {
  /** Reads presence afresh (re-fetching a remote, re-reading a folder). */
  readonly read: () => Promise<GridReading>;
  readonly refreshMs: number;
  /** Strings never to show (remote credentials), for refresh error messages. */
  readonly secrets: readonly string[];
  readonly log: (line: string) => void;
}

const EVENT_CAPACITY = 500;
const MAX_STREAMS = 200;
const KEEPALIVE_MS = 15_000;
/** A page that stops reading is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Skipped files are listed for people, not exported in bulk. */
const MAX_PROBLEMS_SHOWN = 200;

export class LiveGrid {
  readonly events = new EventLog(EVENT_CAPACITY);
  private snapshot!: GridSnapshot;
  private recordsById = new Map<string, PresenceRecord>();
  private currentLocation!: PresenceView;
  private version = 1;
  private refreshedAt = new Date();
  private refreshError: string | null = null;
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LiveGridOptions) {}

  /** The first read must succeed: a dashboard of nothing would only hide the real error. */
  async start(): Promise<void> {
    try {
      const reading = await this.options.read();
      this.accept(reading);
      this.events.add(eventsFromStatelogs(reading.nodes, EVENT_CAPACITY));
    } catch (error) {
      // A remote that is down, or empty because no node has published yet, is not a reason
      // to refuse to start: the page says so and the next refresh tries again.
      this.snapshot = buildSnapshot([], [], new Date());
      this.refreshError = redactSecrets(errorMessage(error), this.options.secrets).slice(0, 300);
      this.options.log(`first read failed, retrying every refresh: ${this.refreshError}`);
    }
    this.schedule();
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.keepalive);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  get location(): PresenceView {
    return this.currentLocation;
  }

  get current(): GridSnapshot {
    return this.snapshot;
  }

  record(id: string): PresenceRecord | undefined {
    return this.recordsById.get(id);
  }

  info(): RefreshInfo {
    return {
      version: this.version,
      now: this.snapshot.now.toISOString(),
      refreshedAt: this.refreshedAt.toISOString(),
      counts: this.snapshot.counts,
      problems: this.snapshot.problems,
      refreshError: this.refreshError,
    };
  }

  /** Opens an event stream; the page learns the version it must hold. */
  attach(req: IncomingMessage, res: ServerResponse, refreshSeconds: number, head: boolean): void {
    const headers = { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };
    if (head || this.streams.size >= MAX_STREAMS) {
      res.writeHead(head ? 200 : 503, head ? headers : { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '30' });
      res.end(head ? undefined : 'too many open dashboards; try again later\n');
      return;
    }
    res.writeHead(200, headers);
    const hello: HelloMessage = { version: this.version, refreshSeconds };
    res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.streams.add(res);
    const forget = (): void => {
      this.streams.delete(res);
    };
    req.on('close', forget);
    res.on('error', forget);
  }

  private schedule(): void {
    if (this.stopped) return;
    // The next read starts a full period after the last one ended, so a slow remote never piles up fetches.
    this.timer = setTimeout(() => void this.refresh(), this.options.refreshMs);
  }

  private async refresh(): Promise<void> {
    try {
      const reading = await this.options.read();
      if (this.stopped) return;
      const before = this.snapshot;
      this.accept(reading);
      const diff = diffSnapshots(before, this.snapshot);
      if (diff.changed.length > 0 || diff.removed.length > 0) this.version++;
      const message: UpdateMessage = { ...this.info(), changed: diff.changed, removed: diff.removed, events: this.events.add(diff.events) };
      this.broadcast(`event: update\ndata: ${JSON.stringify(message)}\n\n`);
    } catch (error) {
      this.refreshError = redactSecrets(errorMessage(error), this.options.secrets).slice(0, 300);
      this.options.log(`refresh failed, still showing the grid read at ${this.refreshedAt.toISOString()}: ${this.refreshError}`);
      const message: UpdateMessage = { ...this.info(), changed: [], removed: [], events: [] };
      this.broadcast(`event: update\ndata: ${JSON.stringify(message)}\n\n`);
    } finally {
      this.schedule();
    }
  }

  private accept(reading: GridReading): void {
    const problems: SkippedDocument[] = reading.problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => ({ file: p.file, message: p.message }));
    this.snapshot = buildSnapshot(reading.nodes, problems, reading.now);
    this.recordsById = new Map(reading.nodes.map((node) => [node.id, node.record]));
    this.currentLocation = reading.location;
    this.refreshedAt = new Date();
    this.refreshError = null;
  }

  private broadcast(chunk: string): void {
    for (const stream of this.streams) {
      if (stream.writableLength > MAX_BUFFERED_BYTES) {
        stream.destroy();
        this.streams.delete(stream);
        continue;
      }
      stream.write(chunk);
    }
  }
}
