import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { liveServerDocument, plausiblyLive, probePartners } from '../grid/partners';
import { parseProbe, probeAddress } from '../grid/probe';
import { checkStates, filterNodes, parseGridFilter } from '../grid/query';
import { nodeJson, type GridNode } from '../grid/view';
import { openContext, parseSeconds } from './context';
import { addGridSourceOptions, openGrid, safeText } from './grid-source';
import type { NodesOptions } from './nodes';
import { addSelectorOption, SELECTOR_HELP } from './selector-option';

export function registerFindCommand(program: Command): void {
  const command = program
    .command('find')
    .description('the plausibly live partners (health alive or new: a recent heartbeat or a state just published; a working state) matching the filters; exit 3 when none')
    .option('--deployment <name>', 'only this deployment')
    .option('--nodepart <name>', 'only this nodepart')
    .option('--stacktype <name>', 'only this stacktype')
    .option('--state <states>', 'only these states (default: grid.workingStates, initdone and running)');
  addSelectorOption(command)
    .option('--probe <check>', 'keep only nodes that answer: tcp:PORT, http:/path (port 80) or http:PORT/path')
    .option('--timeout <seconds>', 'probe timeout (default grid.probeTimeoutSeconds, 3)')
    .option('--format <format>', 'lines (one id per line, the default), json, or liveserver (the original\'s document)')
    .option('--json', 'the same as --format json, as on every reading command')
    .option('--address', 'with --format lines: print privateIp/hostname instead of the id');
  addGridSourceOptions(command).addHelpText(
    'after',
    `
Exit 0 when partners were found, 3 when none matched, so a boot script can wait:
  until nodegrid find --deployment fed1 --nodepart db1 --probe tcp:5432; do sleep 10; done

${SELECTOR_HELP}

Examples:
  $ for db in $(nodegrid find --deployment fed1 --nodepart db1 --address); do echo "$db"; done
  $ nodegrid find --nodepart app1 --probe http:8080/healthz --format json
  $ nodegrid find --deployment fed1 -l role=primary --address
  $ nodegrid find --deployment fed1 --format liveserver > liveserver.json`,
  );
  command.action(async (options: FindOptions, cmd: Command) => find(cmd, options));
}

interface FindOptions extends NodesOptions {
  probe?: string;
  json?: boolean;
  timeout?: string;
  format?: string;
  address?: boolean;
}

const FORMATS = ['lines', 'json', 'liveserver'] as const;

async function find(command: Command, options: FindOptions): Promise<void> {
  if (options.json && options.format !== undefined && options.format !== 'json') throw new NodegridError('E_BAD_INPUT', `--json is --format json; it cannot go with --format ${describeValue(options.format)}`);
  const format = options.format ?? (options.json ? 'json' : 'lines');
  if (!(FORMATS as readonly string[]).includes(format)) throw new NodegridError('E_BAD_INPUT', `--format must be one of ${FORMATS.join(', ')}, got ${describeValue(format)}`);
  if (options.address && format !== 'lines') throw new NodegridError('E_BAD_INPUT', '--address goes with --format lines');
  const probe = options.probe === undefined ? undefined : parseProbe(options.probe);
  if (options.probe !== undefined && probe === undefined) {
    throw new NodegridError('E_BAD_INPUT', `--probe ${describeValue(options.probe)} is not tcp:PORT, http:/path or http:PORT/path`);
  }
  const filter = parseGridFilter(options);
  const timeoutSeconds = parseSeconds(options.timeout, '--timeout');
  const context = await openContext(command);
  const { grid } = context.settings.config;
  const opened = await openGrid(context, options);
  checkStates(filter.states, context.settings.lifecycle, opened.nodes);
  const states = filter.states ?? grid.workingStates;
  let partners: GridNode[] = plausiblyLive(filterNodes(opened.nodes, { ...filter, states: undefined }), states);
  if (probe) {
    const probed = await probePartners(partners, probe, (timeoutSeconds ?? grid.probeTimeoutSeconds) * 1000);
    for (const p of probed) if (!p.result.ok) context.out.info(`${p.node.id}${p.address ? ` (${safeText(p.address)})` : ''}: ${p.result.detail}; left out`);
    partners = probed.filter((p) => p.result.ok).map((p) => p.node);
  }

  if (format === 'json') context.out.resultJson(partners.map(nodeJson));
  else if (format === 'liveserver') context.out.result(JSON.stringify(liveServerDocument(partners, opened.grid.location.description, opened.now), null, 4));
  else {
    let printed = 0;
    for (const node of partners) {
      const line = options.address ? probeAddress(node.record.extra) : node.id;
      if (line === undefined) {
        context.out.warn(`${node.id} has no privateIp or hostname in its presence document; left out`);
        continue;
      }
      context.out.result(line);
      printed++;
    }
    // A boot script waiting on addresses must notice that it got none, as when no partner matched.
    if (partners.length > 0 && printed === 0) {
      throw new NodegridError('E_PROBLEMS_FOUND', `${partners.length} partner${partners.length === 1 ? '' : 's'} found${describeFilter(options, states)}, but none publishes privateIp or hostname`, {
        hint: 'list the field under presence.fields in the nodes\' config (e.g. privateIp), or drop --address',
      });
    }
  }
  if (partners.length === 0) {
    throw new NodegridError('E_PROBLEMS_FOUND', `no partners found${describeFilter(options, states)} in ${opened.grid.location.description}`, {
      hint: 'nodegrid nodes with the same filters shows every node and its health',
    });
  }
}

function describeFilter(options: FindOptions, states: readonly string[]): string {
  const parts = [options.deployment, options.nodepart, options.stacktype].filter(Boolean).join('/');
  const labels = options.selector?.length ? `, labels ${options.selector.join(',')}` : '';
  return ` for ${parts || 'the whole grid'} (alive or new, state ${states.join('|')}${labels}${options.probe ? `, answering ${options.probe}` : ''})`;
}
