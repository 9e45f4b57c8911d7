import * as z from 'zod/mini';

const ABSOLUTE_RULE = 'an absolute path, e.g. /var/lib/node_exporter/textfile_collector/nodegrid.prom';
const PROM_RULE = "must end in .prom: node_exporter's textfile collector reads only *.prom files";

export const metricsSection = z._default(
  z.strictObject({
    textfile: z.optional(
      z.string().check(
        z.refine((file: string) => file.startsWith('/'), ABSOLUTE_RULE),
        // node_exporter reads only *.prom: any other name would be written every minute and never collected.
        z.refine((file: string) => /[^/]\.prom$/.test(file), PROM_RULE),
      ).register(z.globalRegistry, { rules: [ABSOLUTE_RULE, PROM_RULE] }),
    ).register(z.globalRegistry, {
      description: "A file for node_exporter's textfile collector (e.g. `/var/lib/node_exporter/textfile_collector/nodegrid.prom`), rewritten atomically on every tick, state change, notify, heartbeat and outbox flush. Unset: no metrics, no extra work.",
    }),
  }),
  {},
);

export type MetricsConfig = z.infer<typeof metricsSection>;
