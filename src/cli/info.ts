import type { Command } from 'commander';
import { COMMIT, VERSION } from '../core/version';
import { readNodeRecord } from '../node/nodeinfo';
import { openContext } from './context';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('identity, paths, config sources and configured sinks (never secrets)')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid info
  $ nodegrid info --json | jq -r .paths.nodeinfo.path`,
    )
    .action(async (_options: unknown, command: Command) => {
      const context = await openContext(command);
      const { settings } = context;
      const record = readNodeRecord(settings.nodeinfoDir.path);
      for (const problem of record.problems) context.out.warn(problem);
      // Only names and paths: sink URLs and tokens are secrets.
      const info = {
        version: VERSION,
        commit: COMMIT,
        identity: {
          id: record.identity.id ?? null,
          deployment: record.identity.deployment ?? null,
          nodepart: record.identity.nodepart ?? null,
          stacktype: record.identity.stacktype ?? null,
          initgitrepo: record.identity.initgitrepo ?? null,
        },
        state: record.state ?? null,
        paths: {
          nodeinfo: settings.nodeinfoDir,
          home: settings.homeDir,
          config: settings.configFile,
          log: context.home.logFile,
          outbox: context.home.outboxDir,
        },
        sinks: context.sinks.map((sink) => sink.name),
        states: [...settings.lifecycle.states.values()].map((state) => ({ ...state, next: [...(settings.lifecycle.next.get(state.name) ?? [])] })),
      };
      if (context.out.json) {
        context.out.resultJson(info);
        return;
      }
      const id = info.identity;
      context.out.result(`nodegrid ${VERSION} (${COMMIT})`);
      context.out.result(`node:     ${id.id ?? '(no instance id)'} ${id.deployment ?? '?'}/${id.nodepart ?? '?'} stacktype ${id.stacktype ?? '?'}`);
      context.out.result(`state:    ${info.state ?? '(none)'}`);
      context.out.result(`nodeinfo: ${settings.nodeinfoDir.path} (${settings.nodeinfoDir.source})`);
      context.out.result(`home:     ${settings.homeDir.path} (${settings.homeDir.source})`);
      context.out.result(`config:   ${settings.configFile.path} (${settings.configFile.source}${settings.configFile.exists ? '' : ', not present: defaults'})`);
      context.out.result(`sinks:    ${info.sinks.join(', ') || 'none'}`);
    });
}
