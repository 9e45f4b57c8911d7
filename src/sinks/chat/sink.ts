import type { ChatDestinationConfig } from '../../config/schema';
import type { NodeEvent } from '../../core/event';
import type { DeliveryContext, DeliveryOutcome, Sink, SinkFailure } from '../sink';
import { planPosts, type PlannedPost } from './digest';
import { sendChatMessage } from './send';

/**
 * Delivers one queue's events to one chat destination as planPosts groups
 * them (digest.ts): each critical event with the chatty ones of its node that
 * waited before it, then the chatty rest as one digest. What was posted is
 * reported by id, so a critical post that went out ahead of older chatty
 * events of other nodes (the monitor's queue) leaves the queue even when the
 * digest after it fails.
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
      if (post.eventIds.length > 1) context.log(`chat:${this.destination.name}: ${postedLine(post)}`);
    }
    return outcome(events, posted);
  }
}

/** "posted 20 chatty changes as one digest", "posted a critical change with the 4 changes before it as one post". */
function postedLine(post: PlannedPost): string {
  const count = post.eventIds.length;
  if (post.message.severity === 'critical') return `posted a critical change with the ${count - 1 === 1 ? 'change' : `${count - 1} changes`} before it as one post`;
  return `posted ${count} chatty changes as one ${post.message.kind === 'grid-digest' ? 'grid digest' : 'digest'}`;
}

function outcome(events: readonly NodeEvent[], posted: ReadonlySet<string>, failure?: SinkFailure): DeliveryOutcome {
  let leading = 0;
  while (leading < events.length && posted.has(events[leading]!.id)) leading++;
  const deliveredIds = events.slice(leading).filter((event) => posted.has(event.id)).map((event) => event.id);
  return { delivered: leading, deliveredIds, failure };
}
