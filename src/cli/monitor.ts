import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { troubledCount } from '../monitor/plan';
import { monitorLayout } from '../monitor/memory';
import { runMonitorPass, type MonitorEnvironment } from '../monitor/pass';
import { countHealth, describeCounts } from '../grid/query';
import type { GridNode } from '../grid/view';
import { acquireLock } from '../sys/lock';
import { sleep } from '../sys/sleep';
import { openContext, parseSeconds, type CliContext } from './context';
import { addGridSourceOptions, locate, openGrid, type GridSourceFlags } from './grid-source';

export function registerMonitorCommand(program: Command): void {
  const command = program
    .command('monitor')
    .description('the observer that notices silence: classify every node each pass and announce each health transition once')
    .option('--once', 'one pass, then exit (for cron); exit 3 when any node needs a look (wedged, zombie or stale)')
    .option('--interval <seconds>', 'seconds between passes when running continuously', '60')
    .option('--wait <seconds>', 'how long each pass may spend delivering its announcements (default 30)')
    .option('--json', 'print each pass as one JSON object')
    .option('--metrics-port <port>', 'serve Prometheus metrics of the last pass on http://HOST:PORT/metrics (not with --once)')
    .option('--metrics-host <address>', 'address for --metrics-port; anything but loopback shows the grid counts to whoever can reach it', '127.0.0.1');
  addGridSourceOptions(command).addHelpText(
    'after',
    `
Announcements (e.g. "i-4e7cb59a:fed1/db1: alive -> stale (last heartbeat 4 min ago)")
go through the monitor's own outbox under $NODEGRID_HOME/monitor to the chat
destinations: critical for stale, zombie, stuck and wedged, chatty for recoveries.
When more than grid.massSilenceRatio (25 %) of the nodes alive last pass go
silent at once, one critical message says the observer or the git host is the
likely fault instead. Chatty state changes are posted as one grid-wide digest
per pass to destinations with "via: monitor". What was announced is kept, so a
second pass over unchanged presence sends nothing. While nodes stay stale,
zombie, stuck or wedged, one critical line every grid.remindEveryMinutes (4 h; 0: never)
lists them all ("still troubled: 1 wedged, 2 stale").

Examples:
  $ nodegrid monitor --once --remote git@github.com:acme/grid-presence.git
  */5 * * * * nodegrid monitor --once --presence /srv/presence || true
  $ nodegrid monitor --interval 60
  $ nodegrid monitor --interval 60 --metrics-port 9731    # scrape http://127.0.0.1:9731/metrics`,
  );
  command.action(async (options: MonitorOptions, cmd: Command) => monitor(cmd, options));
}

interface MonitorOptions extends GridSourceFlags {
  once?: boolean;
  interval?: string;
  wait?: string;
  json?: boolean;
  metricsPort?: string;
  metricsHost: string;
}

async function monitor(command: Command, options: MonitorOptions): Promise<void> {
  const intervalSeconds = parseSeconds(options.interval, '--interval') ?? 60;
  if (!options.once && intervalSeconds < 1) throw new NodegridError('E_BAD_INPUT', '--interval must be at least 1 second');
  const budgetMs = (parseSeconds(options.wait, '--wait') ?? 30) * 1000;
  const metricsPort = parseMetricsPort(options);
  const context = await openContext(command);
  const environment = monitorEnvironment(context, budgetMs);
  const lock = await acquireLock(environment.layout.lockFile, { timeoutMs: 0, what: 'the monitor lock (another nodegrid monitor runs with this home)' });
  // Ends the wait between passes (a pass in progress is finished first).
  const stopped = new AbortController();
  const onSignal = (): void => stopped.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastPass: LastPass | undefined;
  let exporter: Awaited<ReturnType<typeof startMonitorExporter>> | undefined;
  try {
    if (metricsPort !== undefined) exporter = await startMonitorExporter(context, options.metricsHost, metricsPort, () => lastPass);
    const location = await locate(context, options);
    for (;;) {
      // A pass re-reads presence (and fetches a remote) so each pass sees the grid afresh.
      const troubled = await onePass(context, environment, options, options.once || location.readsAfresh ? location : undefined, (pass) => (lastPass = pass));
      if (options.once) {
        if (troubled > 0) throw new NodegridError('E_PROBLEMS_FOUND', `${troubled} node${troubled === 1 ? ' needs' : 's need'} a look (wedged, zombie or stale)`);
        return;
      }
      await sleep(intervalSeconds * 1000, stopped.signal);
      if (stopped.signal.aborted) return;
    }
  } finally {
    await exporter?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock.release();
  }
}

async function onePass(
  context: CliContext,
  environment: MonitorEnvironment,
  options: MonitorOptions,
  location: Awaited<ReturnType<typeof locate>> | undefined,
  remember: (pass: LastPass) => void,
): Promise<number> {
  const { nodes, now } = await openGrid(context, options, location);
  remember({ nodes, refreshedAt: new Date() });
  const report = await runMonitorPass(environment, nodes, now);
  const counts = countHealth(nodes);
  if (context.out.json) {
    context.out.result(JSON.stringify({ time: now.toISOString(), counts, announcements: report.announcements, pages: report.pages.map((page) => ({ id: page.node.id, ...page.incident })), digests: report.digests, delivery: report.delivery }));
  } else {
    for (const a of report.announcements) context.out.result(`${a.node.id}:${a.node.deployment ?? '?'}/${a.node.nodepart ?? '?'}: ${a.message}${a.note ? ` (${a.note})` : ''}`);
    for (const p of report.pages) context.out.info(`page ${p.incident.action}: ${p.incident.summary}`);
    for (const d of report.digests) context.out.info(`digest of ${d.changes} change${d.changes === 1 ? '' : 's'} to chat:${d.destination}: ${d.posted ? 'posted' : 'not taken, kept in the outbox for the next pass'}`);
    for (const r of report.delivery) if (r.pending > 0) context.out.info(`pending: ${r.sink} (${r.pending}): ${r.error ?? 'not delivered yet'}`);
    context.out.info(`${now.toISOString()}: ${describeCounts(counts)}; ${report.announcements.length} announcement${report.announcements.length === 1 ? '' : 's'}`);
  }
  return troubledCount(nodes);
}

interface LastPass {
  readonly nodes: readonly GridNode[];
  readonly refreshedAt: Date;
}

function parseMetricsPort(options: MonitorOptions): number | undefined {
  if (options.metricsPort === undefined) return undefined;
  const port = Number(options.metricsPort);
  if (!/^\d{1,5}$/.test(options.metricsPort) || port > 65_535) throw new NodegridError('E_BAD_INPUT', `--metrics-port ${describeValue(options.metricsPort)} is not a port number (0-65535)`);
  if (options.once) throw new NodegridError('E_BAD_INPUT', '--metrics-port needs a monitor that keeps running: drop --once (or scrape `nodegrid serve` instead)');
  return port;
}

/** Loaded only with --metrics-port: the plain monitor does not pay for a server. */
async function startMonitorExporter(context: CliContext, host: string, port: number, last: () => LastPass | undefined) {
  const [{ startMetricsExporter }, { formatExposition }, { gridMetricFamilies }] = await Promise.all([
    import('../metrics/http-exporter'),
    import('../metrics/exposition'),
    import('../metrics/grid-metrics'),
  ]);
  const exporter = await startMetricsExporter({
    host,
    port,
    render: () => {
      const pass = last();
      return pass === undefined ? undefined : formatExposition(gridMetricFamilies({ nodes: pass.nodes, refreshedAt: pass.refreshedAt }));
    },
  });
  context.out.info(`metrics at ${exporter.url}`);
  return exporter;
}

function monitorEnvironment(context: CliContext, budgetMs: number): MonitorEnvironment {
  const { config } = context.settings;
  return {
    layout: monitorLayout(context.home.root),
    // Announcements, grid digests and incidents are for people: the chat and paging destinations, each its own queue in the monitor's outbox.
    sinks: context.sinks.filter((sink) => sink.role === 'chat' || sink.role === 'paging'),
    lifecycle: context.settings.lifecycle,
    massSilenceRatio: config.grid.massSilenceRatio,
    remindEveryMinutes: config.grid.remindEveryMinutes,
    maxPerSink: config.outbox.maxPerSink,
    policy: { backoffMs: config.outbox.backoffSeconds * 1000, maxBackoffMs: config.outbox.maxBackoffSeconds * 1000, maxPermanentFailures: config.outbox.maxPermanentFailures },
    log: context.log,
    deliveryBudgetMs: budgetMs,
    warn: (message) => context.out.warn(message),
  };
}
