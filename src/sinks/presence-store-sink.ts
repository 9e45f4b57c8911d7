import type { NodeEvent } from '../core/event';
import { presenceChanges, type ChangeOptions } from '../presence/change';
import type { PresenceWriter } from '../presence/store';
import type { DeliveryContext, DeliveryOutcome, Sink } from './sink';

/**
 * A presence sink is only an adapter: the outbox's events become presence
 * changes, the store (git, S3) writes them, and what it wrote comes back as
 * the outbox's count. Everything about commits, refs and object keys lives
 * in presence/.
 */
export class PresenceStoreSink implements Sink {
  constructor(
    private readonly writer: PresenceWriter,
    /** Queue name, for log lines: "presence:origin". */
    private readonly label: string,
    private readonly options: ChangeOptions,
  ) {}

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const changes = presenceChanges(events, this.options);
    const outcome = await this.writer.write(changes, context);
    // Named once, when the change is published without them.
    for (const change of changes.slice(0, outcome.written)) {
      for (const field of change.refused) context.log(`${this.label}: not publishing ${field}: the value looks like a key or token`);
    }
    return { delivered: outcome.written, failure: outcome.failure };
  }

  async close(): Promise<void> {
    await this.writer.close?.();
  }
}
