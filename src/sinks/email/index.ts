import type { PagingDestinationConfig } from '../../config/schema';
import type { PagingAdapterSource } from '../paging-descriptor';
import { emailSecrets, type EmailDestination } from './destination';

/** Email over SMTP as a paging destination: its secrets now, its adapter (and nodemailer) when there is something to send. */
export function emailPaging(config: PagingDestinationConfig): PagingAdapterSource {
  const destination: EmailDestination = {
    name: config.name,
    host: config.host ?? '',
    port: config.port,
    tls: config.tls,
    user: config.user,
    password: config.password,
    from: config.from ?? '',
    to: config.to ?? [],
    caFile: config.caFile,
    timeoutMs: config.timeoutSeconds * 1000,
  };
  return {
    secrets: emailSecrets(destination),
    load: async () => (await import('./adapter')).createEmailAdapter(destination),
  };
}
