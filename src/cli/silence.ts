import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { assertInstanceId, describeValue } from '../core/ids';
import { redactSecrets } from '../core/secrets';
import { formatDuration, humanTime, parseDuration } from '../core/time';
import { openPresenceFileWriter } from '../presence/file-writer';
import { describeMatch, formatSilence, isActive, isSilenceId, isSilenceName, newSilenceId, readSilences, silencePath, type Silence, type SilenceMatch } from '../presence/silences';
import { askerName, checkAskerNote } from './asker';
import { openContext, parseSeconds, type CliContext } from './context';
import { addGridSourceOptions, locate, safeText, type GridSourceFlags } from './grid-source';
import { parseNow } from './time-option';

/**
 * `silence`: a maintenance window kept in presence. The monitor still
 * watches the nodes it covers, but sends no chat about them until it ends,
 * and then says once how they are. `silences` lists them.
 */
export function registerSilenceCommand(program: Command): void {
  program
    .command('silence')
    .description('hold the monitor\'s chat about a node or a deployment for a while (a maintenance window, kept in presence)')
    .argument('[id]', 'the instance id of the node to silence')
    .option('--deployment <name>', 'silence every node of this deployment (with --nodepart: of that part only)')
    .option('--nodepart <name>', 'with --deployment: only this nodepart')
    .option('--for <duration>', 'how long: 30m, 2h, 1d (at most 7 days)')
    .option('--note <text>', 'why, shown in nodes, the dashboard and the line that ends it')
    .option('--by <who>', 'who silences (default: user@host)')
    .option('--end <silence>', 'end this silence now (its id, from nodegrid silences)')
    .option('--remote <url>', 'write to this presence git remote instead of presence.remote')
    .option('--wait <seconds>', 'how long to try writing (default 30)')
    .option('--json', 'print the silence as JSON')
    .addHelpText(
      'after',
      `
A silence is it/presence/silences/<silence>.json. While it lasts, nodes shows the
node as silenced, the dashboard and metrics too, and the monitor announces
nothing about it (transitions, reminders, state digests); when it ends (its time,
or --end), the monitor says so once, with every covered node still in trouble
(critical then). Exit 0 once the silence is in presence.

Examples:
  $ nodegrid silence i-4e7cb59a --for 2h --note "kernel upgrade"
  $ nodegrid silence --deployment fed1 --nodepart db1 --for 30m --note "failover drill"
  $ nodegrid silences
  $ nodegrid silence --end 20261203T091500Z-3fa9c1`,
    )
    .action(async (id: string | undefined, options: SilenceFlags, command: Command) => silence(command, id, options));
}

export function registerSilencesCommand(program: Command): void {
  const command = program
    .command('silences')
    .description('the silences in presence: active ones, or --all')
    .option('--all', 'also the ones that ended')
    .option('--json', 'print a JSON array');
  addGridSourceOptions(command).addHelpText(
    'after',
    `
Examples:
  $ nodegrid silences
  $ nodegrid silences --all --json`,
  );
  command.action(async (options: GridSourceFlags & { all?: boolean; json?: boolean }, cmd: Command) => {
    const context = await openContext(cmd);
    const view = await locate(context, options);
    const { silences, problems } = await readSilences(view.current);
    for (const problem of problems) context.out.warn(`${safeText(problem.file)}: ${safeText(problem.message)} (skipped)`);
    const now = parseNow(options.now);
    const shown = options.all ? silences : silences.filter((s) => isActive(s, now));
    if (context.out.json) {
      context.out.resultJson(shown.map((s) => ({ ...s, active: isActive(s, now) })));
      return;
    }
    for (const s of shown) context.out.result(describeSilence(s, now));
    context.out.info(`${shown.length} silence${shown.length === 1 ? '' : 's'}${options.all ? '' : ' active'} in ${view.description}`);
  });
}

interface SilenceFlags {
  deployment?: string;
  nodepart?: string;
  for?: string;
  note?: string;
  by?: string;
  end?: string;
  remote?: string;
  wait?: string;
  json?: boolean;
}

const MAX_SILENCE_MS = 7 * 24 * 3600 * 1000;

async function silence(command: Command, id: string | undefined, flags: SilenceFlags): Promise<void> {
  const by = askerName(flags.by);
  checkAskerNote(flags.note);
  const timeoutMs = (parseSeconds(flags.wait, '--wait') ?? 30) * 1000;
  if (flags.end !== undefined) {
    if (!isSilenceId(flags.end)) throw new NodegridError('E_BAD_INPUT', `--end ${describeValue(flags.end)} is not a silence id (see: nodegrid silences)`);
    if (id !== undefined || flags.deployment !== undefined || flags.for !== undefined) throw new NodegridError('E_BAD_INPUT', '--end takes only the silence id: no node, --deployment or --for');
    return endSilence(await openContext(command), flags.end, by, flags, timeoutMs);
  }
  const match = silenceMatch(id, flags);
  const forMs = flags.for === undefined ? undefined : parseDuration(flags.for, 'm');
  if (forMs === undefined || forMs < 60_000 || forMs > MAX_SILENCE_MS) throw new NodegridError('E_BAD_INPUT', `--for ${describeValue(flags.for ?? '')} is not a duration between 1 min and 7 days, such as 30m, 2h or 1d`, { hint: 'nodegrid silence i-4e7cb59a --for 2h --note "kernel upgrade"' });
  const context = await openContext(command);
  const now = new Date();
  const created: Silence = { id: newSilenceId(now), match, by, at: now.toISOString(), until: new Date(now.getTime() + forMs).toISOString(), note: flags.note ? redactSecrets(flags.note, context.secrets) : undefined };
  await write(context, flags, created, `silence ${describeMatch(match)} for ${formatDuration(forMs)} by ${by}`, timeoutMs);
  if (context.out.json) {
    context.out.resultJson(created);
    return;
  }
  context.out.result(`silenced ${describeMatch(match)} until ${humanTime(new Date(created.until))} (silence ${created.id}); end it early with: nodegrid silence --end ${created.id}`);
}

function silenceMatch(id: string | undefined, flags: SilenceFlags): SilenceMatch {
  if (id !== undefined) {
    if (flags.deployment !== undefined || flags.nodepart !== undefined) throw new NodegridError('E_BAD_INPUT', 'give a node id or --deployment (and --nodepart), not both');
    return { id: assertInstanceId(id, 'the id') };
  }
  if (flags.deployment === undefined) throw new NodegridError('E_BAD_INPUT', 'say what to silence: a node id, or --deployment D (and --nodepart P)', { hint: 'nodegrid silence i-4e7cb59a --for 2h' });
  for (const [flag, value] of [['--deployment', flags.deployment], ['--nodepart', flags.nodepart]] as const) {
    if (value !== undefined && !isSilenceName(value)) throw new NodegridError('E_BAD_INPUT', `${flag} ${describeValue(value)} is not a name: 1-64 characters from A-Z a-z 0-9 . _ -`);
  }
  return { deployment: flags.deployment, nodepart: flags.nodepart };
}

async function endSilence(context: CliContext, id: string, by: string, flags: SilenceFlags, timeoutMs: number): Promise<void> {
  const view = await locate(context, flags.remote === undefined ? {} : { remote: flags.remote });
  const found = (await readSilences(view.current)).silences.find((s) => s.id === id);
  if (!found) throw new NodegridError('E_NOT_FOUND', `no silence ${id} in ${view.description}`, { hint: 'see: nodegrid silences --all' });
  const now = new Date();
  if (Date.parse(found.until) <= now.getTime()) {
    context.out.result(`silence ${id} already ended ${humanTime(new Date(found.until))}`);
    return;
  }
  const ended: Silence = { ...found, until: now.toISOString(), endedBy: by };
  await write(context, flags, ended, `silence ${describeMatch(found.match)} ended by ${by}`, timeoutMs);
  if (context.out.json) context.out.resultJson(ended);
  else context.out.result(`silence ${id} over ${describeMatch(found.match)} ended; the monitor's next pass says how its nodes are`);
}

async function write(context: CliContext, flags: SilenceFlags, silence: Silence, subject: string, timeoutMs: number): Promise<void> {
  const writer = await openPresenceFileWriter({ presence: context.settings.config.presence, homeDir: context.home.root, remoteUrl: flags.remote });
  try {
    await writer.write([{ path: silencePath(silence.id), content: formatSilence(silence) }], `${subject}${silence.note ? `\n\n${silence.note}` : ''}\n\nNodegrid-Silence: ${silence.id}`, { timeoutMs, log: (line) => context.log.write(`silence: ${line}`) });
  } finally {
    await writer.close();
  }
  context.log.write(`${subject} (silence ${silence.id}) written to ${writer.description}`);
}

function describeSilence(s: Silence, now: Date): string {
  const active = isActive(s, now);
  const until = new Date(s.until);
  const when = active ? `until ${humanTime(until)} (${formatDuration(until.getTime() - now.getTime())} left)` : `ended ${humanTime(until)}${s.endedBy ? ` by ${safeText(s.endedBy)}` : ''}`;
  return `${s.id}  ${describeMatch(s.match).padEnd(20)} ${when} by ${safeText(s.by)}${s.note ? `: ${safeText(s.note.split('\n')[0]!)}` : ''}`;
}
