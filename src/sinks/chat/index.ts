import type { ChatDestinationConfig } from '../../config/schema';
import type { NodeEvent } from '../../core/event';
import type { SinkDescriptor, SinkEnvironment } from '../sink';
import { destinationSecrets, matchesRoute } from './destination';

/**
 * One outbox queue per chat destination, "chat:<name>". Building the
 * descriptor is cheap (it runs on every command); the adapters, HTTP and
 * digest code load only when there is something to post.
 */
export function chatSinkDescriptor(destination: ChatDestinationConfig, environment: SinkEnvironment): SinkDescriptor {
  return {
    name: `chat:${destination.name}`,
    // Enough for one digest of what piled up during an outage; the rest follows in the next batch.
    // A grid digest groups its changes into a few lines, so a launch of hundreds is still one post.
    maxBatch: destination.via === 'monitor' ? 500 : 50,
    role: 'chat',
    // People read chat: state changes, notify messages and (via: monitor) what the monitor observed; never heartbeats or presence re-announcements.
    kinds: ['state', 'notify', 'observed'],
    accepts: (event) => acceptsEvent(destination, event),
    load: async () => {
      const { ChatSink } = await import('./sink');
      return new ChatSink(destination, environment.homeDir);
    },
    secrets: destinationSecrets(destination),
  };
}

/**
 * Routing: severity at or above minSeverity, then the optional state and
 * deployment filters. A `via: monitor` destination gets only critical events
 * from nodes, and the chatty rest as the monitor observed it (grid digests);
 * other destinations never get the monitor's observations (the nodes posted
 * those changes themselves).
 */
export function acceptsEvent(destination: ChatDestinationConfig, event: NodeEvent): boolean {
  if (event.kind === 'observed') return destination.via === 'monitor' && matchesRoute(destination, { severity: event.severity, state: event.state, deployment: event.node.deployment });
  // People read chat: state changes and notify messages, never heartbeats or presence re-announcements.
  if (event.kind !== 'state' && event.kind !== 'notify') return false;
  if (destination.via === 'monitor' && event.severity !== 'critical') return false;
  return matchesRoute(destination, { severity: event.severity, state: event.state, deployment: event.node.deployment });
}
