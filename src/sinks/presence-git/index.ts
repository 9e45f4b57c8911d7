import type { PresenceConfig } from '../../config/sections/presence';
import type { EventKind, NodeEvent } from '../../core/event';
import { isSubMinute } from '../../core/beat-cadence';
import type { SinkDescriptor } from '../sink';
import { cloneDirFor, presenceRemotes } from '../../presence/git/remotes';

/**
 * The presence sink: every node's document and heartbeat in a shared git
 * repository (SPEC §4.2, §5), written through presence/git's store. One
 * descriptor per remote, each its own queue. Creating descriptors spawns
 * nothing; git runs only inside deliver().
 */
export function presenceSinkDescriptors(config: PresenceConfig, homeDir: string): SinkDescriptor[] {
  if (config.backend === 's3') return [];
  // hybrid: beats go to S3 (sinks/presence-s3), documents and state changes stay here.
  const kinds: EventKind[] = config.backend === 'git' ? ['state', 'announce', 'heartbeat'] : ['state', 'announce'];
  return presenceRemotes(config).map((remote) => {
    const name = `presence:${remote.name}`;
    return {
      name,
      // Enough for a long outage's heartbeats to be coalesced into a few commits.
      maxBatch: 200,
      role: 'presence' as const,
      kinds,
      accepts: (event: NodeEvent) => kinds.includes(event.kind),
      load: async () => {
        const [{ PresenceStoreSink }, { GitPresenceWriter }] = await Promise.all([import('../presence-store-sink'), import('../../presence/git/writer')]);
        return new PresenceStoreSink(new GitPresenceWriter(config, remote, cloneDirFor(homeDir, remote.name), name), name, { stampBeats: isSubMinute(config.heartbeat.everyMinutes) });
      },
      secrets: remote.secrets,
      keepsRefusedEvents: true,
    };
  });
}
