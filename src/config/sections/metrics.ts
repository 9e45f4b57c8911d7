import * as z from 'zod/mini';

export const metricsSection = z._default(
  z.strictObject({
    /**
     * A file for node_exporter's textfile collector (e.g. /var/lib/node_exporter/textfile_collector/nodegrid.prom),
     * rewritten atomically on every tick, state change, notify, heartbeat and outbox flush. Unset: no metrics, no extra work.
     */
    textfile: z.optional(
      z.string().check(
        z.refine((file: string) => file.startsWith('/'), 'an absolute path, e.g. /var/lib/node_exporter/textfile_collector/nodegrid.prom'),
        // node_exporter reads only *.prom: any other name would be written every minute and never collected.
        z.refine((file: string) => /[^/]\.prom$/.test(file), 'must end in .prom: node_exporter\'s textfile collector reads only *.prom files'),
      ),
    ),
  }),
  {},
);

export type MetricsConfig = z.infer<typeof metricsSection>;
