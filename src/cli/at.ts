import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { TIME_SPEC_EXAMPLES } from '../core/time-spec';
import { describeValue } from '../core/ids';
import { gridAt, parseGridTime } from '../grid/time-travel';
import { openContext } from './context';
import { addGridSourceOptions, locate, type GridSourceFlags } from './grid-source';

export function registerAtCommand(program: Command): void {
  const command = program
    .command('at')
    .description('the grid as it was at a minute: who beat in that flattime minute, and the state each had committed by then')
    .argument('<time>', 'now, -10m, 2h, "10 minutes ago", or a time, UTC unless a zone is given: 2015-10-08T21:13 (that whole minute), 2015-10-08T21:13:30Z, 201510082113')
    .option('--json', 'print one JSON object: time, minute, commit, nodes [{id, …, state, statetss, beat}], limits');
  addGridSourceOptions(command, false).addHelpText(
    'after',
    `
A time that starts with "-" follows "--", as for any command: nodegrid at -- -10m
(or drop the sign: 10m means 10 minutes ago too).

States come from the last commit at or before the time (not today's document).
A plain folder without git history can only tell who beat in that minute, and
their state as written in those beat files; it says so.

Examples:
  $ nodegrid at "10 minutes ago"
  $ nodegrid at 2h --json
  $ nodegrid at 2015-10-08T21:13
  $ nodegrid at 2015-10-08T21:13:30Z --remote git@github.com:acme/grid-presence.git --json`,
  );
  command.action(async (time: string, options: GridSourceFlags & { json?: boolean }, cmd: Command) => {
    const when = parseGridTime(time);
    if (!when) throw new NodegridError('E_BAD_INPUT', `${describeValue(time)} is not a time: use ${TIME_SPEC_EXAMPLES}, or 2015-10-08T21:13 for a whole minute`);
    const context = await openContext(cmd);
    const result = await gridAt(await locate(context, options), when);
    for (const limit of result.limits) context.out.warn(limit);
    if (context.out.json) {
      context.out.resultJson(result);
      return;
    }
    for (const node of result.nodes) {
      const label = `${node.id}:${node.deployment ?? '?'}/${node.nodepart ?? '?'}`;
      context.out.result(`${label.padEnd(32)} ${(node.state ?? 'unknown').padEnd(14)} ${node.beat ? 'beat' : 'silent'}`);
    }
    const beating = result.nodes.filter((n) => n.beat).length;
    context.out.info(`${result.time}: ${result.nodes.length} node${result.nodes.length === 1 ? '' : 's'} known, ${beating} beat in ${result.minute}${result.commit ? ` (as of commit ${result.commit.slice(0, 12)})` : ''}`);
  });
}
