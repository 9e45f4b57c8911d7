import type { Command } from 'commander';
import { assertInstanceId } from '../core/ids';
import { parseTss, humanTime } from '../core/time';
import { nodeHistory } from '../grid/time-travel';
import { openContext } from './context';
import { addGridSourceOptions, openGrid, type GridSourceFlags } from './grid-source';

function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}

export function registerHistoryCommand(program: Command): void {
  const command = program
    .command('history')
    .description('every state a node went through, from the presence repository (git history and statelog)')
    .argument('<id>', 'the instance id')
    .option('--json', 'print one JSON object: id, states [{state, tss, commit, committedAt, note}], versions, limits');
  addGridSourceOptions(command, false).addHelpText(
    'after',
    `
From a git remote or a checkout, every version of the node's document is read,
so states that later fell out of its statelog are still shown. A plain folder
has only the current statelog, and says so.

Examples:
  $ nodegrid history i-4e7cb59a
  $ nodegrid history i-4e7cb59a --remote git@github.com:acme/grid-presence.git --json`,
  );
  command.action(async (id: string, options: GridSourceFlags & { json?: boolean }, cmd: Command) => {
    const nodeId = assertInstanceId(id, 'the id');
    const context = await openContext(cmd);
    const { grid } = await openGrid(context, options);
    const current = grid.records.find((r) => r.id === nodeId);
    const history = await nodeHistory(grid.location, nodeId, current);
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
    context.out.info(`${history.states.length} state${history.states.length === 1 ? '' : 's'} of ${nodeId}${history.versions > 0 ? ` across ${history.versions} document versions` : ''}`);
  });
}
