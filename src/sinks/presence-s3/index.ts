import type { PresenceConfig } from '../../config/sections/presence';
import type { EventKind, NodeEvent } from '../../core/event';
import { urlCredentialSecrets } from '../../core/secrets';
import { isSubMinute } from '../../core/beat-cadence';
import type { SinkDescriptor } from '../sink';

/**
 * The S3 presence sink, "presence:s3". With presence.backend s3 it carries
 * documents, state changes and beats; with hybrid only the beats (state
 * changes stay in git, where people read their history), written through
 * presence/s3's store. The SDK is loaded only when there is something to
 * deliver.
 */
export const S3_SINK_NAME = 'presence:s3';

export function presenceS3SinkDescriptors(config: PresenceConfig): SinkDescriptor[] {
  const store = config.s3;
  if (config.backend === 'git' || store === undefined) return [];
  const kinds: EventKind[] = config.backend === 'hybrid' ? ['heartbeat'] : ['heartbeat', 'state', 'announce'];
  return [
    {
      name: S3_SINK_NAME,
      maxBatch: 200,
      role: 'presence',
      kinds,
      accepts: (event: NodeEvent) => kinds.includes(event.kind),
      load: async () => {
        const [{ PresenceStoreSink }, { S3PresenceWriter }] = await Promise.all([import('../presence-store-sink'), import('../../presence/s3/writer')]);
        return new PresenceStoreSink(new S3PresenceWriter(store, S3_SINK_NAME), S3_SINK_NAME, { stampBeats: isSubMinute(config.heartbeat.everyMinutes) });
      },
      secrets: store.endpoint ? urlCredentialSecrets(store.endpoint) : [],
      keepsRefusedEvents: true,
    },
  ];
}
