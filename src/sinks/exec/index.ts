import type { ExecSinkConfig } from '../../config/schema';
import { urlCredentialSecrets } from '../../core/secrets';
import type { SinkDescriptor } from '../sink';

/**
 * Runs a user's command with the event JSON on stdin, the way Consul watches
 * run handlers. Exit 0 means delivered; anything else means retry later.
 */
export function execSinkDescriptor(config: ExecSinkConfig): SinkDescriptor {
  return {
    name: `exec:${config.name}`,
    maxBatch: 1,
    role: 'exec',
    kinds: config.kinds,
    accepts: (event) => (config.kinds as readonly string[]).includes(event.kind),
    // child_process is loaded only when there is something to deliver.
    load: async () => new (await import('./exec-sink')).ExecSink(config),
    secrets: commandSecrets(config.command),
  };
}

/** A command may hold a URL with credentials (`curl https://user:token@…`): those are secrets too. */
function commandSecrets(command: string): string[] {
  return [...command.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi)].flatMap(([url]) => urlCredentialSecrets(url));
}
