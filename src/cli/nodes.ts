import type { Command } from 'commander';
import type { Health } from '../core/health';
import { countHealth, describeCounts, filterNodes, groupByPart, parseGridFilter, checkStates } from '../grid/query';
import { nodeJson, type GridNode } from '../grid/view';
import { openContext, type CliContext } from './context';
import { addGridSourceOptions, openGrid, type GridSourceFlags } from './grid-source';
import type { Style } from './output';

export function registerNodesCommand(program: Command): void {
  const command = program
    .command('nodes')
    .description("every node of the grid with its state and health (alive, new, stale, zombie, wedged, retired)")
    .option('--deployment <name>', 'only this deployment')
    .option('--nodepart <name>', 'only this nodepart')
    .option('--stacktype <name>', 'only this stacktype')
    .option('--state <states>', 'only these states (comma-separated); one that neither the lifecycle nor any node has is refused')
    .option('--health <healths>', 'only these healths (comma-separated: alive,new,stale,zombie,wedged,retired)')
    .option('--json', 'print a JSON array: id, deployment, nodepart, stacktype, state, statetss, heartbeat, health');
  addGridSourceOptions(command).addHelpText(
    'after',
    `
Health is derived here, never stored by the node: retired (decommissioned),
wedged, zombie (in a setting-up state, presetup or setup unless
lifecycle.states.<name>.settingUp says otherwise, past grid.zombieAfterMinutes;
or no state),
new (no heartbeat seen yet, and its first one not due yet: within
grid.staleAfterBeats beat periods of its statetss; quiet, never paged),
stale (no heartbeat for grid.staleAfterBeats beat periods), else alive.
Unreadable documents are skipped with a warning on stderr; exit 0 regardless.

Examples:
  $ nodegrid nodes --presence /root/gitrepo/presence
  $ nodegrid nodes --deployment fed1 --health stale,zombie
  $ nodegrid nodes --remote git@github.com:acme/grid-presence.git --json | jq -r '.[] | select(.health != "alive") | .id'
  $ nodegrid nodes --presence ./presence --now 2015-10-08T21:13:00Z`,
  );
  command.action(async (options: NodesOptions, cmd: Command) => listNodes(cmd, options));
}

export interface NodesOptions extends GridSourceFlags {
  deployment?: string;
  nodepart?: string;
  stacktype?: string;
  state?: string;
  health?: string;
  json?: boolean;
}

async function listNodes(command: Command, options: NodesOptions): Promise<void> {
  const filter = parseGridFilter(options);
  const context = await openContext(command);
  const { grid, nodes } = await openGrid(context, options);
  checkStates(filter.states, context.settings.lifecycle, nodes);
  const shown = filterNodes(nodes, filter);
  if (context.out.json) {
    context.out.resultJson(shown.map(nodeJson));
    return;
  }
  printTable(context, shown);
  const skipped = grid.problems.length;
  context.out.info(`${shown.length} node${shown.length === 1 ? '' : 's'} from ${grid.location.description}${skipped > 0 ? `; ${skipped} unreadable document${skipped === 1 ? '' : 's'} skipped (see warnings)` : ''}`);
}

const HEALTH_STYLE: Record<Health, Style> = { alive: 'green', new: 'blue', stale: 'yellow', zombie: 'magenta', wedged: 'red', retired: 'gray' };

/** Grouped by deployment, then nodepart, with one summary line per deployment. */
function printTable(context: CliContext, nodes: readonly GridNode[]): void {
  const { out } = context;
  for (const [deployment, parts] of groupByPart(nodes)) {
    const members = [...parts.values()].flat();
    out.result(out.paint('bold', `${deployment}: ${describeCounts(countHealth(members))}`));
    for (const [nodepart, list] of parts) {
      out.result(`  ${nodepart} (${describeCounts(countHealth(list))})`);
      for (const node of list) {
        const health = out.paint(HEALTH_STYLE[node.health], node.health.padEnd(7));
        const beat = node.heartbeat ? node.heartbeat.slice(0, 16).replace('T', ' ') : 'no beat';
        out.result(`    ${node.id.padEnd(20)} ${health} ${(node.state ?? '-').padEnd(14)} ${(node.stacktype ?? '-').padEnd(8)} last beat ${beat}`);
      }
    }
  }
}
