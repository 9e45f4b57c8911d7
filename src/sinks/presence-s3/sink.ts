import type { PresenceConfig, S3StoreConfig } from '../../config/sections/presence';
import { isSubMinute } from '../../core/beat-cadence';
import { errorMessage } from '../../core/errors';
import type { NodeEvent } from '../../core/event';
import { beatDocument, currentDocumentPath, formatPresenceDocument, heartbeatPath, historyDocumentPath, presenceValueOf } from '../../presence/format';
import { openS3, type S3Connection } from '../../s3/client';
import { mapLimit, putObject, S3Failure } from '../../s3/objects';
import type { DeliveryContext, DeliveryOutcome, Sink } from '../sink';
import { writeCurrentDocument } from '../../presence/s3/documents';

/**
 * Presence in an S3 bucket, same keys and bytes as the git layout:
 * - a heartbeat is one PUT of its flattime object (its own key: no conflict);
 * - a state change writes it/presence/history/<id>/<seq>.json (If-None-Match: *,
 *   so a redelivery is a no-op), then the current document, conditionally;
 * - an announce rewrites the current document, conditionally.
 * Events are delivered in order and the count delivered is reported, so a
 * failure part-way leaves the rest queued in the outbox.
 */
export class PresenceS3Sink implements Sink {
  private readonly s3: S3Connection;
  private readonly store: S3StoreConfig;
  private readonly stampBeats: boolean;

  constructor(config: PresenceConfig, private readonly label: string) {
    this.store = config.s3!;
    this.s3 = openS3(this.store);
    this.stampBeats = isSubMinute(config.heartbeat.everyMinutes);
  }

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const started = Date.now();
    let delivered = 0;
    try {
      while (delivered < events.length) {
        const event = events[delivered]!;
        if (event.kind === 'heartbeat') {
          delivered += await this.putBeats(leadingBeats(events, delivered), context);
          continue;
        }
        await this.putDocument(event, context);
        delivered++;
      }
      context.log(`${this.label}: wrote ${delivered} event${delivered === 1 ? '' : 's'} to ${this.s3.where} (${Date.now() - started} ms)`);
      return { delivered };
    } catch (error) {
      const failure = error instanceof S3Failure ? error : new S3Failure(`${this.s3.where}: ${errorMessage(error)}`, false);
      return { delivered, failure: { message: failure.message, permanent: failure.permanent, retryAfterMs: failure.retryAfterMs } };
    }
  }

  async close(): Promise<void> {
    this.s3.client.destroy();
  }

  /** A run of beats (an outage's worth) goes up in parallel: each is its own key. */
  private async putBeats(beats: readonly NodeEvent[], context: DeliveryContext): Promise<number> {
    await mapLimit(beats, 8, (beat) => putObject(this.s3, heartbeatPath(beat.node.id, new Date(beat.time)), beatDocument(beat, this.stampBeats), undefined, { signal: context.signal }));
    return beats.length;
  }

  private async putDocument(event: NodeEvent, context: DeliveryContext): Promise<void> {
    const { value, refused } = presenceValueOf(event);
    for (const key of refused) context.log(`${this.label}: not publishing ${key} of event ${event.seq}: the value looks like a key or token`);
    const content = formatPresenceDocument(value);
    const conditional = this.store.conditionalWrites;
    if (event.kind === 'state' && this.store.history === 'objects') {
      // Written first: a crash between the two leaves history complete and the current document one change behind, which the redelivery mends.
      await putObject(this.s3, historyDocumentPath(event.node.id, event.seq), content, conditional ? { ifNoneMatch: '*' } : undefined, { signal: context.signal });
    }
    const outcome = await writeCurrentDocument(this.s3, currentDocumentPath(event.node.id), content, { statetss: value.statetss, statelog: value.statelog ?? '' }, { conditional, signal: context.signal });
    if (outcome === 'kept-newer') context.log(`${this.label}: ${currentDocumentPath(event.node.id)} already holds a newer state than event ${event.seq}; left as it is`);
  }
}

function leadingBeats(events: readonly NodeEvent[], from: number): NodeEvent[] {
  const beats: NodeEvent[] = [];
  for (let i = from; i < events.length && events[i]!.kind === 'heartbeat'; i++) beats.push(events[i]!);
  return beats;
}
