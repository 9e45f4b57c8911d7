import type { ServerResponse } from 'node:http';
import { errorMessage } from '../core/errors';
import { describeValue } from '../core/ids';
import { TIME_SPEC_EXAMPLES } from '../core/time-spec';
import { redactSecrets } from '../core/secrets';
import { flattimeMinute } from '../core/time';
import { gridAt, parseGridTime } from '../grid/time-travel';
import type { AtResponse, BeatsResponse } from './api';
import { recentBeats } from './beats';
import { sendJson, sendText } from './headers';
import type { LiveGrid } from './live';

/**
 * The dashboard's two looks back: the grid at a past minute (the same gridAt
 * as `nodegrid at`) and one node's beats in the last hour. Both read the
 * presence view of the last refresh.
 */
export interface PastContext {
  readonly live: LiveGrid;
  readonly secrets: readonly string[];
  readonly log: (line: string) => void;
}

/** A time-travel answer walks git history: a few at once is plenty for people, and keeps a script from queueing hundreds. */
const MAX_AT_AT_ONCE = 2;
const AT_CACHE_SIZE = 16;

export class PastRoutes {
  private running = 0;
  /** Answers of the current refresh, by time: the same minute asked by several pages is read once. */
  private readonly cache = new Map<string, AtResponse>();
  private cacheOf = '';

  constructor(private readonly context: PastContext) {}

  /** `text` as `nodegrid at` takes it, read against the server's clock (its --now when frozen). */
  async at(text: string, res: ServerResponse, head: boolean): Promise<void> {
    const { live } = this.context;
    const now = live.current.now;
    const time = parseGridTime(text, now);
    if (!time) {
      sendText(res, 400, `time=${describeValue(text)} is not a time: use ${TIME_SPEC_EXAMPLES}, or 2015-10-08T21:13 for a whole minute (UTC unless a zone is given)`, head);
      return;
    }
    if (flattimeMinute(time) > flattimeMinute(now)) {
      sendText(res, 400, `${time.toISOString()} is after the server's clock (${now.toISOString()}): the dashboard shows the grid now or in the past`, head);
      return;
    }
    const refreshed = live.info().refreshedAt;
    if (this.cacheOf !== refreshed) {
      this.cache.clear();
      this.cacheOf = refreshed;
    }
    const key = time.toISOString();
    const cached = this.cache.get(key);
    if (cached) {
      sendJson(res, cached, head);
      return;
    }
    if (this.running >= MAX_AT_AT_ONCE) {
      sendText(res, 503, 'the server is already reading the past for other pages; try again in a few seconds', head, { 'Retry-After': '5' });
      return;
    }
    this.running++;
    try {
      const past = await gridAt(live.location, time);
      const body: AtResponse = { ...past, limits: past.limits.map((limit) => redactSecrets(limit, this.context.secrets)) };
      if (this.cache.size >= AT_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, body);
      sendJson(res, body, head);
    } catch (error) {
      this.context.log(`the grid at ${key} failed: ${redactSecrets(errorMessage(error), this.context.secrets)}`);
      sendText(res, 502, `cannot read the grid at ${key}; see the server log`, head);
    } finally {
      this.running--;
    }
  }

  async beats(id: string, res: ServerResponse, head: boolean): Promise<void> {
    const { live } = this.context;
    if (!live.current.nodes.has(id)) {
      sendText(res, 404, `no node ${id} in presence`, head);
      return;
    }
    try {
      const body: BeatsResponse = await recentBeats(live.location.heartbeats, id, live.current.now);
      sendJson(res, body, head);
    } catch (error) {
      this.context.log(`beats of ${id} failed: ${redactSecrets(errorMessage(error), this.context.secrets)}`);
      sendText(res, 502, `cannot read the beats of ${id}; see the server log`, head);
    }
  }
}
