import * as z from 'zod/mini';
import { chatSection } from './sections/chat';
import { ec2Section } from './sections/ec2';
import { gridSection } from './sections/grid';
import { heartbeatSection } from './sections/heartbeat';
import { lifecycleSection } from './sections/lifecycle';
import { metricsSection } from './sections/metrics';
import { outboxSection, sinksSection } from './sections/outbox';
import { presenceSection } from './sections/presence';

/**
 * The whole config file. Types come from here (z.infer), and so does the
 * README's configuration reference, so docs, types and validation agree.
 * Each section lives in its own file under sections/. zod/mini keeps the
 * bundle small: nodegrid starts every minute on every node.
 */
export const configSchema = z.strictObject({
  /** Folder of one-value identity files (flag --nodeinfo, env NODEGRID_NODEINFO). */
  nodeinfo: z.optional(z.string().check(z.minLength(1))),
  /** nodegrid's own state: log, outbox, locks, clones (flag --home, env NODEGRID_HOME). */
  home: z.optional(z.string().check(z.minLength(1))),
  lifecycle: lifecycleSection,
  outbox: outboxSection,
  sinks: sinksSection,
  presence: presenceSection,
  chat: chatSection,
  ec2: ec2Section,
  heartbeat: heartbeatSection,
  grid: gridSection,
  metrics: metricsSection,
});

export type Config = z.infer<typeof configSchema>;
export type ExecSinkConfig = Config['sinks']['exec'][number];
export type ChatDestinationConfig = Config['chat']['destinations'][number];

export function defaultConfig(): Config {
  return configSchema.parse({});
}
