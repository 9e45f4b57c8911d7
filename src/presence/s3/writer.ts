import type { S3StoreConfig } from '../../config/sections/presence';
import { errorMessage } from '../../core/errors';
import { openS3, type S3Connection } from '../../s3/client';
import { mapLimit, putObject, S3Failure } from '../../s3/objects';
import type { BeatChange, DocumentChange, PresenceChange } from '../change';
import { currentDocumentPath, heartbeatPath, historyDocumentPath } from '../format';
import type { PresenceWriter, WriteContext, WriteOutcome } from '../store';
import { writeCurrentDocument } from './documents';

/**
 * Presence in an S3 bucket, same keys and bytes as the git layout:
 * - a beat is one PUT of its flattime object (its own key: no conflict);
 * - a state change writes it/presence/history/<id>/<seq>.json (If-None-Match: *,
 *   so a redelivery is a no-op), then the current document, conditionally;
 * - an announce rewrites the current document, conditionally.
 * Changes are written in order and the count written is reported, so a
 * failure part-way leaves the rest for the next write.
 */
export class S3PresenceWriter implements PresenceWriter {
  private readonly s3: S3Connection;

  constructor(
    private readonly store: S3StoreConfig,
    /** For log lines: "presence:s3". */
    private readonly label: string,
  ) {
    this.s3 = openS3(store);
  }

  async write(changes: readonly PresenceChange[], context: WriteContext): Promise<WriteOutcome> {
    const started = Date.now();
    let written = 0;
    try {
      while (written < changes.length) {
        const change = changes[written]!;
        if (change.kind === 'beat') {
          written += await this.putBeats(leadingBeats(changes, written), context);
          continue;
        }
        await this.putDocument(change, context);
        written++;
      }
      context.log(`${this.label}: wrote ${written} event${written === 1 ? '' : 's'} to ${this.s3.where} (${Date.now() - started} ms)`);
      return { written };
    } catch (error) {
      const failure = error instanceof S3Failure ? error : new S3Failure(`${this.s3.where}: ${errorMessage(error)}`, false);
      return { written, failure: { message: failure.message, permanent: failure.permanent, retryAfterMs: failure.retryAfterMs } };
    }
  }

  async close(): Promise<void> {
    this.s3.client.destroy();
  }

  /** A run of beats (an outage's worth) goes up in parallel: each is its own key. */
  private async putBeats(beats: readonly BeatChange[], context: WriteContext): Promise<number> {
    await mapLimit(beats, 8, (beat) => putObject(this.s3, heartbeatPath(beat.id, beat.at), beat.content, undefined, { signal: context.signal }));
    return beats.length;
  }

  private async putDocument(change: DocumentChange, context: WriteContext): Promise<void> {
    const conditional = this.store.conditionalWrites;
    if (change.kind === 'state' && this.store.history === 'objects') {
      // Written first: a crash between the two leaves history complete and the current document one change behind, which the redelivery mends.
      await putObject(this.s3, historyDocumentPath(change.id, change.seq), change.content, conditional ? { ifNoneMatch: '*' } : undefined, { signal: context.signal });
    }
    const path = currentDocumentPath(change.id);
    const outcome = await writeCurrentDocument(this.s3, path, change.content, { statetss: change.statetss, statelog: change.statelog }, { conditional, signal: context.signal });
    if (outcome === 'kept-newer') context.log(`${this.label}: ${path} already holds a newer state than event ${change.seq}; left as it is`);
  }
}

function leadingBeats(changes: readonly PresenceChange[], from: number): BeatChange[] {
  const beats: BeatChange[] = [];
  for (let i = from; i < changes.length; i++) {
    const change = changes[i]!;
    if (change.kind !== 'beat') break;
    beats.push(change);
  }
  return beats;
}
