import type { PagingDestinationConfig } from '../config/schema';
import { parseSelectorText } from '../core/label-selector';
import type { PagingAdapter } from './paging-adapter';
import type { PagingRoute } from './paging-sink';
import type { SinkDescriptor, SinkEnvironment } from './sink';

/**
 * One outbox queue per pager, "page:<name>", whatever its type: the type's
 * folder gives only its secrets and how to load its adapter. Building it is
 * cheap; the paging logic and the adapter load when there is something to send.
 */
export interface PagingAdapterSource {
  readonly secrets: readonly string[];
  load(): Promise<PagingAdapter>;
}

export function pagingSinkDescriptor(destination: PagingDestinationConfig, environment: SinkEnvironment & { dashboardUrl?: string | undefined }, adapter: PagingAdapterSource): SinkDescriptor {
  const selector = destination.labels === undefined ? undefined : parseSelectorText(destination.labels);
  const route: PagingRoute = {
    minSeverity: destination.minSeverity,
    deployments: destination.deployments,
    nodeparts: destination.nodeparts,
    labels: selector?.ok ? selector.selector : undefined,
    via: destination.via,
    dashboardUrl: environment.dashboardUrl,
  };
  return {
    name: `page:${destination.name}`,
    // An outage's worth of changes in one call: email folds many incidents into one digest.
    maxBatch: 100,
    role: 'paging',
    // A node's own state changes (entering wedged opens, any later change resolves), and the monitor's page events.
    kinds: ['state', 'page'],
    accepts: (event) => (event.kind === 'state' ? destination.via !== 'monitor' : event.kind === 'page' && destination.via !== 'node'),
    load: async () => {
      const [{ PagingSink }, { openIncidentBook }, loaded] = await Promise.all([import('./paging-sink'), import('./incident-book'), adapter.load()]);
      return new PagingSink({ route, adapter: loaded, book: openIncidentBook(environment.homeDir, destination.name), timeoutMs: destination.timeoutSeconds * 1000 });
    },
    secrets: adapter.secrets,
  };
}
