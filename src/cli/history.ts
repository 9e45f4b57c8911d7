import type { Command } from 'commander';
import { assertInstanceId } from '../core/ids';
import { TIME_SPEC_EXAMPLES, tssAtOrAfter } from '../core/time-spec';
import { parseTss, humanTime } from '../core/time';
import { nodeHistory } from '../grid/time-travel';
import { openContext } from './context';
import { addGridSourceOptions, openGrid, type GridSourceFlags } from './grid-source';
import { parseTimeOption } from './time-option';

function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}

export function registerHistoryCommand(program: Command): void {
  const command = program
    .command('history')
    .description('every state a node went through, from the presence repository (git history and statelog)')
    .argument('<id>', 'the instance id')
    .option('--since <time>', `only the states entered at or after this time: ${TIME_SPEC_EXAMPLES}`)
    .option('--json', 'print one JSON object: id, states [{state, tss, commit, committedAt, note}], versions, limits');
  addGridSourceOptions(command, false).addHelpText(
    'after',
    `
From a git remote or a checkout, every version of the node's document is read,
so states that later fell out of its statelog are still shown. A plain folder
has only the current statelog, and says so.

Examples:
  $ nodegrid history i-4e7cb59a
  $ nodegrid history i-4e7cb59a --since "2 hours ago"
  $ nodegrid history i-4e7cb59a --remote git@github.com:acme/grid-presence.git --json`,
  );
  command.action(async (id: string, options: GridSourceFlags & { json?: boolean; since?: string }, cmd: Command) => {
    const nodeId = assertInstanceId(id, 'the id');
    // Bad input is refused before presence is fetched.
    const since = options.since === undefined ? undefined : parseTimeOption('--since', options.since);
    const context = await openContext(cmd);
    const { grid } = await openGrid(context, options);
    const current = grid.records.find((r) => r.id === nodeId);
    const whole = await nodeHistory(grid.location, nodeId, current);
    const history = since ? { ...whole, states: whole.states.filter((step) => tssAtOrAfter(step.tss, since)) } : whole;
    for (const limit of history.limits) context.out.warn(limit);
    if (context.out.json) {
      context.out.resultJson(history);
      return;
    }
    for (const step of history.states) {
      const at = parseTss(step.tss);
      const line = `${at ? humanTime(at) : step.tss}  ${step.state.padEnd(14)} ${(step.commit ? step.commit.slice(0, 12) : '(statelog)').padEnd(12)}`;
      // One line per state: a long note (a script's output tail) shows its first line here, whole in --json.
      context.out.result(step.note ? `${line}  ${firstLine(step.note)}` : line);
    }
    const span = since ? ` since ${humanTime(since)} (of ${whole.states.length})` : '';
    context.out.info(`${history.states.length} state${history.states.length === 1 ? '' : 's'} of ${nodeId}${span}${history.versions > 0 ? ` across ${history.versions} document versions` : ''}`);
  });
}
