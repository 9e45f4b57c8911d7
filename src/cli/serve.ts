import type { Command } from 'commander';
import { isSubMinute } from '../core/beat-cadence';
import { redactUrlCredentials } from '../core/secrets';
import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { loadGrid } from '../grid/load';
import type { PresenceView } from '../presence/store';
import { classifyGrid } from '../grid/view';
import { openContext, parseSeconds, type CliContext } from './context';
import { addSelectorOption } from './selector-option';
import { parseLabelSelector, type LabelSelector } from '../core/label-selector';
import { filterNodes } from '../grid/query';
import { addGridSourceOptions, healthRules, locate, type GridSourceFlags } from './grid-source';
import { parseNow } from './time-option';

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('the grid in a browser: summary, nodes, history and events, updated live; read-only')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; anything but loopback needs --token', '127.0.0.1')
    .option('--refresh <seconds>', 're-read presence (fetching a remote) this often and push changes to open pages', '30')
    .option('--token <token>', `require this token (at least 16 characters) for every request (env NODEGRID_SERVE_TOKEN, which keeps it out of ps)`);
  addSelectorOption(command);
  addGridSourceOptions(command).addHelpText(
    'after',
    `
The page and its scripts are served by nodegrid itself (no CDN, no internet).
It listens on 127.0.0.1 unless --host says otherwise; on any other address it
refuses to start without a token. With a token, open /login?token=<token> once
(it sets an HttpOnly cookie), or send "Authorization: Bearer <token>".
With -l the dashboard shows only the nodes whose labels match (as nodes -l);
the page's labels box narrows it further with the same selectors.
JSON for scripts: /api/nodes (same fields as nodes --json; ?selector=env=prod,!legacy
keeps the nodes whose labels match, a bad selector is a 400), /api/nodes/<id>/history,
/api/nodes/<id>/beats (the minutes it beat in, last hour), /api/at?time=T (the grid at
a past minute, as nodegrid at), /api/events; changes are pushed to pages as
Server-Sent Events on /events.
Prometheus: /metrics (nodes per deployment, nodepart and health; behind the token too).
With --now the clock is frozen at that time (demos, screenshots).

Examples:
  $ nodegrid serve --presence /root/gitrepo/presence
  $ nodegrid serve --remote git@github.com:acme/grid-presence.git --refresh 60
  $ nodegrid serve -l env=prod                 # a dashboard of production only
  $ NODEGRID_SERVE_TOKEN=$(openssl rand -hex 16) nodegrid serve --host 0.0.0.0 --port 8080
  $ curl -s -H "Authorization: Bearer $NODEGRID_SERVE_TOKEN" http://127.0.0.1:8080/api/nodes | jq '.counts'`,
  );
  command.action(async (options: ServeOptions, cmd: Command) => serve(cmd, options));
}

interface ServeOptions extends GridSourceFlags {
  selector?: string[];
  port: string;
  host: string;
  refresh: string;
  token?: string;
}

async function serve(command: Command, options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!/^\d{1,5}$/.test(options.port) || port > 65_535) throw new NodegridError('E_BAD_INPUT', `--port ${describeValue(options.port)} is not a port number (0-65535)`);
  const refreshSeconds = parseSeconds(options.refresh, '--refresh') ?? 30;
  if (refreshSeconds < 1) throw new NodegridError('E_BAD_INPUT', '--refresh must be at least 1 second');
  const token = options.token ?? (process.env.NODEGRID_SERVE_TOKEN || undefined);
  const host = options.host.trim();
  // Loaded only here: `serve` is the one command that needs the server, and the entry stays small.
  const { startDashboard } = await import('../web/server');
  const [{ isLoopbackAddress }, { MIN_TOKEN_LENGTH }] = await Promise.all([import('../sys/loopback'), import('../web/auth')]);
  if (host === '' || /\s/.test(host)) throw new NodegridError('E_BAD_INPUT', `--host ${describeValue(options.host)} is not an address`);
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new NodegridError('E_BAD_INPUT', `the token is too short: use at least ${MIN_TOKEN_LENGTH} characters`, { hint: 'e.g. NODEGRID_SERVE_TOKEN=$(openssl rand -hex 16)' });
  }
  if (!isLoopbackAddress(host) && token === undefined) {
    throw new NodegridError('E_BAD_INPUT', `refusing to serve the grid on ${describeValue(host)} without a token: anyone who can reach that address could read it`, {
      hint: 'set NODEGRID_SERVE_TOKEN (or --token) to at least 16 random characters, or listen on 127.0.0.1',
    });
  }
  const fixedNow = options.now === undefined ? undefined : parseNow(options.now);
  const selector = parseLabelSelector(options.selector ?? []);
  const context = await openContext(command);
  // A folder is checked now (a wrong path is the user's mistake); a remote is fetched by the
  // first read, which may fail without stopping the dashboard (the remote may be empty or down).
  const { presence } = context.settings.config;
  const nothingToRead = options.remote === undefined && presence.remote === undefined && !presence.remotes?.length;
  const first = options.presence !== undefined || nothingToRead ? await locate(context, options) : undefined;
  const description = first?.description ?? describeRemote(context, options);
  const read = readerFor(context, options, first, fixedNow, selector);
  const dashboard = await startDashboard({
    host,
    port,
    token,
    refreshSeconds,
    read,
    source: description,
    stateColors: Object.fromEntries([...context.settings.lifecycle.states.values()].map((s) => [s.name, s.color])),
    secrets: context.secrets,
    log: (line) => context.out.warn(line),
  });
  context.out.result(`nodegrid dashboard at ${dashboard.url}`);
  context.out.info(`reading ${description} every ${refreshSeconds} s; read-only; stop with Ctrl-C`);
  context.out.info(token === undefined ? 'no token: only this machine (loopback) can open it' : `token required: open ${dashboard.url}login?token=<token> once, or send Authorization: Bearer <token>`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
}

/**
 * Each refresh reads presence afresh: a folder is re-read in place, a remote
 * is fetched again. Skipped files are reported once, at start, not every pass.
 */
/** The remote to read, credentials hidden, for the page and the start message. */
function describeRemote(context: CliContext, flags: GridSourceFlags): string {
  const { presence } = context.settings.config;
  const first = presence.remotes?.[0];
  const url = flags.remote ?? presence.remote ?? (typeof first === 'string' ? first : first?.url) ?? '';
  return `${redactUrlCredentials(url)} (${context.settings.config.presence.branch})`;
}

function readerFor(context: CliContext, flags: GridSourceFlags, first: PresenceView | undefined, fixedNow: Date | undefined, selector: LabelSelector | undefined) {
  let location: PresenceView | undefined = first;
  let warned = false;
  return async () => {
    const where = location ?? (await locate(context, flags));
    location = undefined;
    if (where.readsAfresh) location = where;
    const now = fixedNow ?? new Date();
    const grid = await loadGrid(where, { now, lookbackHours: context.settings.config.grid.beatLookbackHours, exactBeats: isSubMinute(context.settings.config.presence.heartbeat.everyMinutes) });
    if (!warned && grid.problems.length > 0) context.out.warn(`${grid.problems.length} unreadable presence document${grid.problems.length === 1 ? '' : 's'} skipped (listed on the page)`);
    warned = true;
    const nodes = classifyGrid(grid.records, grid.beats, now, healthRules(context), grid.beatTimes, grid.silences);
    return { nodes: selector === undefined ? nodes : filterNodes(nodes, { labels: selector }), problems: grid.problems, now, location: where };
  };
}
