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
 * README's configuration reference (config/reference.ts, through
 * z.toJSONSchema), so docs, types and validation agree: each key's meaning is
 * registered beside it with z.describe, and the reference shows it. A check
 * JSON Schema cannot say in words (a pattern, a refine) repeats its message in
 * z.meta({ rules: [...] }), which the reference shows as what the key accepts.
 * Each section lives in its own file under sections/. zod/mini keeps the
 * bundle small: nodegrid starts every minute on every node.
 */
export const configSchema = z.strictObject({
  nodeinfo: z.optional(z.string().check(z.minLength(1))).check(
    z.describe('Folder of one-value identity files (flag `--nodeinfo`, env `NODEGRID_NODEINFO`). Default `/root/nodeinfo` as root, else `$NODEGRID_HOME/nodeinfo`.'),
  ),
  home: z.optional(z.string().check(z.minLength(1))).check(
    z.describe("nodegrid's own state: log, outbox, locks, clones (flag `--home`, env `NODEGRID_HOME`). Default `/var/lib/nodegrid` as root."),
  ),
  lifecycle: lifecycleSection.check(z.describe('Add states and edges to the default lifecycle graph, or change the severity and colour of existing states.')),
  outbox: outboxSection.check(z.describe('The durable per-sink queues every event goes through before delivery.')),
  sinks: sinksSection.check(z.describe('Your own destinations for events, beside presence, chat and EC2.')),
  presence: presenceSection.check(z.describe('Where every node keeps its document and heartbeats: a shared git repository, an S3 bucket, or both.')),
  chat: chatSection.check(z.describe('Chat rooms and webhooks that are told about state changes.')),
  ec2: ec2Section.check(z.describe('EC2 tags with the node state, and the instance id from instance metadata. Visibility only: nodegrid never depends on the cloud.')),
  heartbeat: heartbeatSection.check(z.describe('The every-minute beat (`tick`, `agent`, `install cron|systemd`): pull, work, report.')),
  grid: gridSection.check(z.describe('How observers (`nodes`, `find`, `monitor`, `serve`) judge health.')),
  metrics: metricsSection.check(z.describe('Node metrics for Prometheus, through node_exporter.')),
});

export type Config = z.infer<typeof configSchema>;
export type ExecSinkConfig = Config['sinks']['exec'][number];
export type ChatDestinationConfig = Config['chat']['destinations'][number];

export function defaultConfig(): Config {
  return configSchema.parse({});
}
