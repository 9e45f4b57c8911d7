import * as z from 'zod/mini';
import { chatSection } from './sections/chat';
import { ec2Section } from './sections/ec2';
import { gridSection } from './sections/grid';
import { heartbeatSection } from './sections/heartbeat';
import { lifecycleSection } from './sections/lifecycle';
import { metricsSection } from './sections/metrics';
import { outboxSection, sinksSection } from './sections/outbox';
import { pagingSection } from './sections/paging';
import { presenceSection } from './sections/presence';

/**
 * The whole config file. Types come from here (z.infer), and so does the
 * README's configuration reference (config/reference.ts, through
 * z.toJSONSchema), so docs, types and validation agree. Each key registers its
 * meaning beside it, `{ description }` in z.globalRegistry; a check JSON Schema
 * cannot put in words (a pattern, a refine) repeats its message in `rules`,
 * which the reference shows as what the key accepts. `.register` rather than
 * `.check(z.describe(…))`: it adds no copy of the schema, so no start-up cost.
 * Each section lives in its own file under sections/. zod/mini keeps the
 * bundle small: nodegrid starts every minute on every node.
 */
export const configSchema = z.strictObject({
  nodeinfo: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, {
    description: 'Folder of one-value identity files (flag `--nodeinfo`, env `NODEGRID_NODEINFO`). Default `/root/nodeinfo` as root, else `$NODEGRID_HOME/nodeinfo`.',
  }),
  home: z.optional(z.string().check(z.minLength(1))).register(z.globalRegistry, {
    description: "nodegrid's own state: log, outbox, locks, clones (flag `--home`, env `NODEGRID_HOME`). Default `/var/lib/nodegrid` as root.",
  }),
  lifecycle: lifecycleSection.register(z.globalRegistry, {
    description: 'Add states and edges to the default lifecycle graph, or change the severity and colour of existing states.',
  }),
  outbox: outboxSection.register(z.globalRegistry, { description: 'The durable per-sink queues every event goes through before delivery.' }),
  sinks: sinksSection.register(z.globalRegistry, { description: 'Your own destinations for events, beside presence, chat and EC2.' }),
  presence: presenceSection.register(z.globalRegistry, {
    description: 'Where every node keeps its document and heartbeats: a shared git repository, an S3 bucket, or both.',
  }),
  chat: chatSection.register(z.globalRegistry, { description: 'Chat rooms and webhooks that are told about state changes.' }),
  paging: pagingSection.register(z.globalRegistry, {
    description: 'On-call tools that are paged when a node is wedged, stuck, stale or a zombie, and told when it recovers: PagerDuty, Opsgenie, email, ntfy.',
  }),
  ec2: ec2Section.register(z.globalRegistry, {
    description: 'EC2 tags with the node state, and the instance id from instance metadata. Visibility only: nodegrid never depends on the cloud.',
  }),
  heartbeat: heartbeatSection.register(z.globalRegistry, {
    description: 'The every-minute beat (`tick`, `agent`, `install cron|systemd`): pull, work, report.',
  }),
  grid: gridSection.register(z.globalRegistry, { description: 'How observers (`nodes`, `find`, `monitor`, `serve`) judge health.' }),
  metrics: metricsSection.register(z.globalRegistry, { description: 'Node metrics for Prometheus, through node_exporter.' }),
});

export type Config = z.infer<typeof configSchema>;
export type ExecSinkConfig = Config['sinks']['exec'][number];
export type ChatDestinationConfig = Config['chat']['destinations'][number];
export type PagingDestinationConfig = Config['paging']['destinations'][number];

export function defaultConfig(): Config {
  return configSchema.parse({});
}
