import type { Config } from '../../config/schema';
import type { NodeEvent } from '../../core/event';
import { describeValue } from '../../core/ids';
import type { DeliveryContext, DeliveryOutcome, Sink, SinkDescriptor } from '../sink';
import type { Ec2Connection } from './client';
import { describeEc2Error, errorCode } from './errors';
import { isEc2InstanceId } from '../../core/cloud';
import { fitWithinTagLimit, tagsForEvent } from './tags';

/**
 * Cloud tags (SPEC §4.4): every state change becomes `add:*` tags on the
 * instance, so the EC2 console shows the grid. Only types are imported from
 * ./client here; the module and the AWS SDK behind it load in load().
 */
export type Ec2Config = Config['ec2'];

export function ec2SinkDescriptor(config: Ec2Config): SinkDescriptor {
  return {
    name: 'ec2',
    // Tags hold the current state: after an outage only the newest queued change needs writing.
    maxBatch: 50,
    role: 'tags',
    kinds: ['state'],
    accepts: (event) => event.kind === 'state',
    load: async () => new Ec2TagSink(config, await import('./client')),
    secrets: [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN].filter((value): value is string => !!value),
  };
}

type ClientModule = typeof import('./client');

// EC2 asks throttled callers to slow down; a second or two, jittered, before the outbox tries again.
const THROTTLE_WAIT_MS = 1000;

class Ec2TagSink implements Sink {
  private connection: Ec2Connection | undefined;

  constructor(
    private readonly config: Ec2Config,
    private readonly api: ClientModule,
  ) {}

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const event = events.at(-1);
    if (!event) return { delivered: 0 };
    const id = event.node.id;
    if (!isEc2InstanceId(id)) {
      return {
        delivered: 0,
        failure: { message: `ec2: node id ${describeValue(id)} is not an EC2 instance id (i-…), so it has no tags; set ec2.enabled: false on nodes outside EC2`, permanent: true },
      };
    }
    const { tags, problems } = tagsForEvent(event, this.config.tagPrefix);
    for (const problem of problems) context.log(`ec2: not writing a tag on ${id}: ${problem}`);
    if (tags.length === 0) return { delivered: events.length };

    this.connection ??= await this.api.openEc2(this.config);
    const connection = this.connection;
    try {
      await this.api.createTags(connection, id, tags, context.signal);
    } catch (error) {
      if (errorCode(error) !== 'TagLimitExceeded') return failed(error, `CreateTags on ${id}`, connection.where);
      return this.deliverNearTagLimit(events.length, id, tags, context);
    }
    return { delivered: events.length };
  }

  /** Near EC2's 50-tag limit: write what fits, in priority order, and say what was skipped rather than fail forever. */
  private async deliverNearTagLimit(count: number, id: string, tags: ReturnType<typeof tagsForEvent>['tags'], context: DeliveryContext): Promise<DeliveryOutcome> {
    const connection = this.connection!;
    try {
      const { keep, skipped } = fitWithinTagLimit(tags, await this.api.tagKeysOf(connection, id, context.signal));
      context.log(`warning: ec2: ${id} is at EC2's limit of 50 tags; skipped ${skipped.map((tag) => tag.Key).join(', ')}`);
      if (keep.length > 0) await this.api.createTags(connection, id, keep, context.signal);
      return { delivered: count };
    } catch (error) {
      return failed(error, `CreateTags on ${id}`, connection.where);
    }
  }

  async close(): Promise<void> {
    this.connection?.client.destroy();
  }
}

function failed(error: unknown, action: string, where: string): DeliveryOutcome {
  const description = describeEc2Error(error, action, where);
  const retryAfterMs = description.kind === 'throttled' ? Math.round(THROTTLE_WAIT_MS * (1 + Math.random())) : undefined;
  const next = description.permanent ? '' : description.kind === 'throttled' ? '; retrying with backoff' : '; retrying later';
  return { delivered: 0, failure: { message: `${description.message}${next}`, permanent: description.permanent, retryAfterMs } };
}
