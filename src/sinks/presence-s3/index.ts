import type { PresenceConfig } from '../../config/sections/presence';
import type { EventKind, NodeEvent } from '../../core/event';
import { urlCredentialSecrets } from '../../core/secrets';
import type { SinkDescriptor } from '../sink';

/**
 * The S3 presence sink, "presence:s3". With presence.backend s3 it carries
 * documents, state changes and beats; with hybrid only the beats (state
 * changes stay in git, where people read their history). The SDK is loaded
 * only when there is something to deliver.
 */
export const S3_SINK_NAME = 'presence:s3';

export function presenceS3SinkDescriptors(config: PresenceConfig): SinkDescriptor[] {
  if (config.backend === 'git' || config.s3 === undefined) return [];
  const kinds: EventKind[] = config.backend === 'hybrid' ? ['heartbeat'] : ['heartbeat', 'state', 'announce'];
  return [
    {
      name: S3_SINK_NAME,
      maxBatch: 200,
      role: 'presence',
      kinds,
      accepts: (event: NodeEvent) => kinds.includes(event.kind),
      load: async () => {
        const { PresenceS3Sink } = await import('./sink');
        return new PresenceS3Sink(config, S3_SINK_NAME);
      },
      secrets: config.s3.endpoint ? urlCredentialSecrets(config.s3.endpoint) : [],
      keepsRefusedEvents: true,
    },
  ];
}
