import type { ChatDestinationConfig } from '../../config/schema';
import type { NodeEvent } from '../../core/event';
import type { DeliveryContext, DeliveryOutcome, Sink, SinkFailure } from '../sink';
import { planPosts } from './digest';
import { sendChatMessage } from './send';

/**
 * Delivers one node's queued events to one chat destination: critical events
 * first, each on its own, then everything chatty that waited as one digest
 * (digest.ts). What was posted is reported by id, so a critical event that
 * went out ahead of older chatty ones leaves the queue even when the digest
 * after it fails.
 */
export class ChatSink implements Sink {
  constructor(
    private readonly destination: ChatDestinationConfig,
    private readonly homeDir: string,
  ) {}

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const posted = new Set<string>();
    for (const post of planPosts(events)) {
      const result = await sendChatMessage(this.destination, post.message, { homeDir: this.homeDir, signal: context.signal, deadline: context.deadline });
      if (!result.ok) {
        const failure: SinkFailure = { message: 'no answer', ...result.failure, eventIds: post.eventIds };
        return outcome(events, posted, failure);
      }
      for (const id of post.eventIds) posted.add(id);
      if (post.eventIds.length > 1) context.log(`chat:${this.destination.name}: posted ${post.eventIds.length} chatty changes as one digest`);
    }
    return outcome(events, posted);
  }
}

function outcome(events: readonly NodeEvent[], posted: ReadonlySet<string>, failure?: SinkFailure): DeliveryOutcome {
  let leading = 0;
  while (leading < events.length && posted.has(events[leading]!.id)) leading++;
  const deliveredIds = events.slice(leading).filter((event) => posted.has(event.id)).map((event) => event.id);
  return { delivered: leading, deliveredIds, failure };
}
