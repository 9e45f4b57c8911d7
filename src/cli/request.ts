import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { assertInstanceId, describeValue } from '../core/ids';
import { redactSecrets } from '../core/secrets';
import { formatDuration, humanTime, parseDuration } from '../core/time';
import { openPresenceFileWriter } from '../presence/file-writer';
import { formatRequest, newRequestId, readRequests, REQUEST_ACTIONS, requestPath, type NodeRequest, type RequestAction, type RequestStatus } from '../presence/requests';
import { askerName, checkAskerNote } from './asker';
import { openContext, parseSeconds } from './context';
import { addGridSourceOptions, locate, safeText, type GridSourceFlags } from './grid-source';

/**
 * `request`: asks a node to drain, decommission or come back, by writing a
 * request document to presence (no SSH, no server: the node's next beat reads
 * it). `requests`: every request with what came of it.
 */
export function registerRequestCommand(program: Command): void {
  program
    .command('request')
    .description('ask a node, through presence, to drain, decommission or undrain; its next beat acts on it')
    .argument('<action>', `what to ask: ${REQUEST_ACTIONS.join(', ')}`)
    .argument('<id>', 'the instance id of the node')
    .option('--note <text>', 'the reason, shown in chat, the node\'s state note and the request')
    .option('--deadline <duration>', 'how long the drain (or decommission) may take on the node (default: the node\'s 10m)')
    .option('--by <who>', 'who asks (default: user@host)')
    .option('--remote <url>', 'write to this presence git remote instead of presence.remote')
    .option('--wait <seconds>', 'how long to try writing (default 30)')
    .option('--json', 'print the request as JSON')
    .addHelpText(
      'after',
      `
The request is it/presence/requests/<id>/<request>.json on presence.branch (or in
the bucket), one commit naming who asked. The node's tick reads its own requests on
every beat, acts on each once, and writes <request>.outcome.json beside it: done,
failed (the drain script's words), refused (not possible from its state) or expired
(older than a day when it saw it). decommission drains first when the node is not
drained; undrain takes a draining node back to running. Anyone who can write
presence can ask: protect the repository's write access as you would SSH.

Exit 0 once the request is in presence, 69 when presence cannot be reached.

Examples:
  $ nodegrid request drain i-4e7cb59a --deadline 5m --note "scale-in"
  $ nodegrid request decommission i-4e7cb59a --note "replaced by i-0b1c2d3e"
  $ nodegrid request undrain i-4e7cb59a
  $ nodegrid requests --open`,
    )
    .action(async (action: string, id: string, options: RequestFlags, command: Command) => request(command, action, id, options));
}

export function registerRequestsCommand(program: Command): void {
  const command = program
    .command('requests')
    .description('the requests written to presence, open and answered, with their outcomes')
    .option('--id <id>', "only this node's requests")
    .option('--open', 'only requests no node has answered yet')
    .option('--json', 'print a JSON array: {request, outcome}');
  addGridSourceOptions(command, false).addHelpText(
    'after',
    `
Exit 0 regardless of outcomes; unreadable request files are named on stderr.

Examples:
  $ nodegrid requests
  $ nodegrid requests --open --json
  $ nodegrid requests --id i-4e7cb59a --remote git@github.com:acme/grid-presence.git`,
  );
  command.action(async (options: GridSourceFlags & { id?: string; open?: boolean; json?: boolean }, cmd: Command) => {
    const node = options.id === undefined ? undefined : assertInstanceId(options.id, '--id');
    const context = await openContext(cmd);
    const view = await locate(context, options);
    const { requests, problems } = await readRequests(view.current, node);
    for (const problem of problems) context.out.warn(`${safeText(problem)} (skipped)`);
    const shown = options.open ? requests.filter((status) => status.outcome === undefined) : requests;
    if (context.out.json) {
      context.out.resultJson(shown);
      return;
    }
    for (const status of shown) context.out.result(describeStatus(status));
    context.out.info(`${shown.length} request${shown.length === 1 ? '' : 's'}${options.open ? ' open' : ''} in ${view.description}`);
  });
}

interface RequestFlags {
  note?: string;
  deadline?: string;
  by?: string;
  remote?: string;
  wait?: string;
  json?: boolean;
}

async function request(command: Command, action: string, id: string, flags: RequestFlags): Promise<void> {
  // Everything is checked before presence is touched: bad input writes nothing.
  if (!(REQUEST_ACTIONS as readonly string[]).includes(action)) throw new NodegridError('E_BAD_INPUT', `unknown request ${describeValue(action)}: ask for one of ${REQUEST_ACTIONS.join(', ')}`);
  const node = assertInstanceId(id, 'the id');
  const deadlineMs = flags.deadline === undefined ? undefined : parseDuration(flags.deadline, 's');
  if (deadlineMs !== undefined && deadlineMs < 1000) throw new NodegridError('E_BAD_INPUT', `--deadline ${describeValue(flags.deadline ?? '')} is not a duration of at least 1 s, such as 90s, 10m or 1h`);
  if (flags.deadline !== undefined && deadlineMs === undefined) throw new NodegridError('E_BAD_INPUT', `--deadline ${describeValue(flags.deadline)} is not a duration, such as 90s, 10m or 1h`);
  const by = askerName(flags.by);
  checkAskerNote(flags.note);
  const timeoutMs = (parseSeconds(flags.wait, '--wait') ?? 30) * 1000;
  const context = await openContext(command);
  const now = new Date();
  const note = flags.note ? redactSecrets(flags.note, context.secrets) : undefined;
  const asked: NodeRequest = { id: newRequestId(action as RequestAction, now), node, action: action as RequestAction, by, at: now.toISOString(), note, deadlineSeconds: deadlineMs === undefined ? undefined : Math.round(deadlineMs / 1000) };
  const writer = await openPresenceFileWriter({ presence: context.settings.config.presence, homeDir: context.home.root, remoteUrl: flags.remote });
  try {
    const subject = `${node}: ${action} requested by ${by}`;
    await writer.write([{ path: requestPath(node, asked.id), content: formatRequest(asked) }], note ? `${subject}\n\n${note}\n\nNodegrid-Request: ${asked.id}` : `${subject}\n\nNodegrid-Request: ${asked.id}`, { timeoutMs, log: (line) => context.log.write(`request: ${line}`) });
  } finally {
    await writer.close();
  }
  context.log.write(`request ${asked.id}: ${action} ${node} by ${by} written to ${writer.description}`);
  if (context.out.json) {
    context.out.resultJson(asked);
    return;
  }
  context.out.result(`asked ${node} to ${action} (request ${asked.id}) in ${writer.description}: its next beat acts on it (see: nodegrid requests --id ${node})`);
}

function describeStatus({ request, outcome }: RequestStatus): string {
  const asked = `${request.id}  ${request.node}  ${request.action.padEnd(12)} by ${safeText(request.by)}`;
  const deadline = request.deadlineSeconds ? ` within ${formatDuration(request.deadlineSeconds * 1000)}` : '';
  const why = request.note ? ` (${safeText(request.note.split('\n')[0]!)})` : '';
  if (!outcome) return `${asked}${deadline}${why}: open`;
  const at = Date.parse(outcome.at);
  return `${asked}${deadline}${why}: ${outcome.outcome}${Number.isNaN(at) ? '' : ` ${humanTime(new Date(at))}`}, now ${outcome.state ?? 'no state'}: ${safeText(outcome.note.split('\n')[0]!)}`;
}
