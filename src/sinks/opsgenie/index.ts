import type { PagingDestinationConfig } from '../../config/schema';
import type { PagingAdapterSource } from '../paging-descriptor';
import { opsgenieSecrets, type OpsgenieDestination } from './destination';

/** Opsgenie as a paging destination: its secrets now, its adapter when there is something to send. */
export function opsgeniePaging(config: PagingDestinationConfig): PagingAdapterSource {
  const destination: OpsgenieDestination = { name: config.name, apiKey: config.apiKey ?? '', region: config.region, url: config.url };
  return {
    secrets: opsgenieSecrets(destination),
    load: async () => (await import('./adapter')).createOpsgenieAdapter(destination),
  };
}
