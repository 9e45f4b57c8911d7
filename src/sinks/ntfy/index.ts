import type { PagingDestinationConfig } from '../../config/schema';
import type { PagingAdapterSource } from '../paging-descriptor';
import { ntfySecrets, type NtfyDestination } from './destination';

/** ntfy as a paging destination: its secrets now (the topic among them), its adapter when there is something to send. */
export function ntfyPaging(config: PagingDestinationConfig): PagingAdapterSource {
  const destination: NtfyDestination = { name: config.name, server: config.server, topic: config.topic ?? '', token: config.token, user: config.user, password: config.password };
  return {
    secrets: ntfySecrets(destination),
    load: async () => (await import('./adapter')).createNtfyAdapter(destination),
  };
}
