import type { PagingDestinationConfig } from '../../config/schema';
import type { PagingAdapterSource } from '../paging-descriptor';
import { pagerDutySecrets, type PagerDutyDestination } from './adapter';

/** PagerDuty as a paging destination: its secrets now, its adapter when there is something to send. */
export function pagerDutyPaging(config: PagingDestinationConfig): PagingAdapterSource {
  const destination: PagerDutyDestination = { name: config.name, routingKey: config.routingKey ?? '', url: config.url };
  return {
    secrets: pagerDutySecrets(destination),
    load: async () => (await import('./adapter')).createPagerDutyAdapter(destination),
  };
}
