import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { formatDuration, parseDuration } from '../core/time';
import { filterNodes, parseGridFilter, checkStates, type GridFilter } from '../grid/query';
import { nodeJson, type GridNode } from '../grid/view';
import type { PresenceView } from '../presence/store';
import { openContext, type CliContext } from './context';
import { addGridSourceOptions, locate, openGrid, type GridSourceFlags } from './grid-source';
import { redactForPrinting } from './output';
import { addSelectorOption, SELECTOR_HELP } from './selector-option';
import { NODE_OUTPUTS, renderNodes, SORT_KEYS, sortNodes, type NodeOutput, type SortKey } from './nodes-table';

export function registerNodesCommand(program: Command): void {
  const command = program
    .command('nodes')
    .description("every node of the grid with its state and health (alive, new, stale, zombie, stuck, wedged, retired)")
    .option('--deployment <name>', 'only this deployment')
    .option('--nodepart <name>', 'only this nodepart')
    .option('--stacktype <name>', 'only this stacktype')
    .option('--state <states>', 'only these states (comma-separated); one that neither the lifecycle nor any node has is refused')
    .option('--health <healths>', 'only these healths (comma-separated: alive,new,stale,zombie,stuck,wedged,retired)');
  addSelectorOption(command)
    .option('-o, --output <format>', 'table (grouped by deployment and nodepart), wide (also hostname, address, labels, note), name (ids only), json', 'table')
    .option('--json', 'print a JSON array (the same as -o json): id, deployment, nodepart, stacktype, state, statetss, heartbeat, health, note, initgitrepo, fields, labels')
    .option('--sort <key>', `one table in this order instead of the grouping: ${SORT_KEYS.join(', ')} (health worst first, since and beat oldest first)`)
    .option('--no-headers', 'leave out the column headers')
    .option('--watch', 'read the grid again every --interval and print it again when it changed, until Ctrl-C')
    .option('--interval <duration>', 'how often --watch reads the grid (default 5s)');
  addGridSourceOptions(command).addHelpText(
    'after',
    `
Health is derived here, never stored by the node: retired (decommissioned),
wedged, zombie (in a setting-up state, presetup or setup unless
lifecycle.states.<name>.settingUp says otherwise, past grid.zombieAfterMinutes;
or no state),
new (no heartbeat seen yet, and its first one not due yet: within
grid.staleAfterBeats beat periods of its statetss; quiet, never paged),
stale (no heartbeat for grid.staleAfterBeats beat periods), stuck (beating
but unable to leave service: its drain or decommission step failed, or it has
been draining longer than grid.stuckDrainingMinutes), else alive.
A deployment may have its own thresholds: grid.deployments.<name>.zombieAfterMinutes
and .staleAfterBeats.
FOR is the time in the current state, LAST BEAT the age of the newest beat;
-o wide adds HOSTNAME and ADDRESS (from presence.fields), LABELS and the NOTE
of the last state change (its first line; the whole note is in --json and history).
${SELECTOR_HELP}
Unreadable documents are skipped with a warning on stderr; exit 0 regardless.

Examples:
  $ nodegrid nodes --presence /root/gitrepo/presence
  $ nodegrid nodes --deployment fed1 --health stale,zombie
  $ nodegrid nodes --remote git@github.com:acme/grid-presence.git --json | jq -r '.[] | select(.health != "alive") | .id'
  $ nodegrid nodes -o wide --health wedged,stale
  $ nodegrid nodes -l env=prod,tier!=db -o wide
  $ nodegrid nodes -l '!team' -o name          # nodes nobody labelled with a team
  $ nodegrid nodes --sort beat --no-headers | head
  $ nodegrid nodes --watch --interval 10s --deployment fed1
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
  selector?: string[];
  json?: boolean;
  output?: string;
  sort?: string;
  headers?: boolean;
  watch?: boolean;
  interval?: string;
}

async function listNodes(command: Command, options: NodesOptions): Promise<void> {
  const filter = parseGridFilter(options);
  const output = parseOutput(options);
  const sort = parseSort(options.sort);
  const intervalMs = options.watch ? parseInterval(options.interval) : 0;
  if (options.watch && options.now !== undefined) throw new NodegridError('E_BAD_INPUT', '--watch follows the grid as it changes; it cannot be combined with --now');
  const context = await openContext(command);
  if (!options.watch) {
    const view = await readNodes(context, options, filter, undefined);
    printNodes(context, view, output, sort, options);
    return;
  }
  await watchNodes(context, options, filter, intervalMs, (view) => renderView(context, view, output, sort, options));
}

interface NodesView {
  readonly shown: GridNode[];
  readonly now: Date;
  readonly summary: string;
}

async function readNodes(context: CliContext, options: NodesOptions, filter: GridFilter, location: PresenceView | undefined): Promise<NodesView & { location: PresenceView }> {
  const where = location ?? (await locate(context, options));
  const { grid, nodes, now } = await openGrid(context, options, where);
  checkStates(filter.states, context.settings.lifecycle, nodes);
  const shown = filterNodes(nodes, filter);
  const skipped = grid.problems.length;
  const summary = `${shown.length} node${shown.length === 1 ? '' : 's'} from ${grid.location.description}${skipped > 0 ? `; ${skipped} unreadable document${skipped === 1 ? '' : 's'} skipped (see warnings)` : ''}`;
  return { shown, now, summary, location: where };
}

function printNodes(context: CliContext, view: NodesView, output: NodeOutput, sort: SortKey | undefined, options: NodesOptions): void {
  if (output === 'json') {
    context.out.resultJson(view.shown.map(nodeJson));
    return;
  }
  for (const line of renderView(context, view, output, sort, options)) context.out.result(line);
  if (output !== 'name') context.out.info(view.summary);
}

function renderView(context: CliContext, view: NodesView, output: NodeOutput, sort: SortKey | undefined, options: NodesOptions): string[] {
  if (output === 'json') return [JSON.stringify(view.shown.map(nodeJson))];
  if (output === 'name') return (sort ? sortNodes(view.shown, sort) : view.shown).map((node) => node.id);
  return renderNodes(view.shown, { wide: output === 'wide', headers: options.headers !== false, sort, now: view.now, paint: (style, text) => context.out.paint(style, text) });
}

/**
 * --watch: read the grid every interval and print it again when what would be
 * printed changed (ages in the table move every minute, so a redraw a minute
 * is expected). On a terminal the screen is cleared first, as `watch` does;
 * piped, each new picture follows the last, with json one line each. A read
 * that fails is said on stderr and the next one is tried: a watcher outlives
 * a flaky remote. Ends on Ctrl-C (exit 0).
 */
async function watchNodes(context: CliContext, options: NodesOptions, filter: GridFilter, intervalMs: number, render: (view: NodesView) => string[]): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const clear = process.stdout.isTTY ? '\u001b[H\u001b[2J' : '';
  let location: PresenceView | undefined;
  let last: string | undefined;
  try {
    while (!stop.signal.aborted) {
      try {
        const view = await readNodes(context, options, filter, location);
        if (view.location.readsAfresh) location = view.location;
        const text = render(view).join('\n');
        if (text !== last) {
          process.stdout.write(`${clear}${redactForPrinting(text)}${text === '' ? '' : '\n'}`);
          if (!clear && last !== undefined) context.out.info(`-- ${view.now.toISOString()}`);
          last = text;
        }
      } catch (error) {
        if (error instanceof NodegridError && error.code === 'E_BAD_INPUT') throw error;
        context.out.warn(`reading the grid failed; trying again in ${formatDuration(intervalMs)}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseOutput(options: NodesOptions): NodeOutput {
  if (options.json) return 'json';
  const output = options.output ?? 'table';
  if (!(NODE_OUTPUTS as readonly string[]).includes(output)) throw new NodegridError('E_BAD_INPUT', `--output ${describeValue(output)} is not one of ${NODE_OUTPUTS.join(', ')}`);
  return output as NodeOutput;
}

function parseSort(sort: string | undefined): SortKey | undefined {
  if (sort === undefined) return undefined;
  if (!(SORT_KEYS as readonly string[]).includes(sort)) throw new NodegridError('E_BAD_INPUT', `--sort ${describeValue(sort)} is not one of ${SORT_KEYS.join(', ')}`);
  return sort as SortKey;
}

function parseInterval(text: string | undefined): number {
  const ms = parseDuration(text ?? '5s', 's');
  if (ms === undefined || ms < 1000) throw new NodegridError('E_BAD_INPUT', `--interval ${describeValue(text ?? '')} is not a duration of at least 1 s (e.g. 5s, 1m)`);
  return ms;
}
