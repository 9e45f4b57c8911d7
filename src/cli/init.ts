import type { Command } from 'commander';
import { writeIdentity } from '../node/nodeinfo';
import { openContext } from './context';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description("write this node's identity (the DNA switches) into the nodeinfo folder")
    .requiredOption('--id <instance-id>', 'unique node id: 1-128 characters from A-Z a-z 0-9 . _ -')
    .option('--deployment <name>', 'the federation/environment, e.g. fed1')
    .option('--nodepart <name>', "this node's role in the stack, e.g. db1")
    .option('--stacktype <name>', 'the whole stack, e.g. lad1')
    .option('--initgitrepo <name>', 'the config repository this node follows')
    .option('--force', 'replace an existing, different instance id')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid init --id i-4e7cb59a --deployment fed1 --nodepart db1 --stacktype lad1
  $ nodegrid --nodeinfo /tmp/ni init --id "$(hostname)" --deployment dev --nodepart app1`,
    )
    .action(async (options: InitOptions, command: Command) => {
      const context = await openContext(command);
      const dir = context.settings.nodeinfoDir.path;
      const { written } = writeIdentity(
        dir,
        { id: options.id, deployment: options.deployment, nodepart: options.nodepart, stacktype: options.stacktype, initgitrepo: options.initgitrepo },
        options.force ?? false,
      );
      context.log.write(`identity written for ${options.id}: ${written.join(', ')}`);
      if (context.out.json) context.out.resultJson({ nodeinfo: dir, written });
      else context.out.result(`wrote ${written.join(', ')} in ${dir}`);
    });
}

interface InitOptions {
  id: string;
  deployment?: string;
  nodepart?: string;
  stacktype?: string;
  initgitrepo?: string;
  force?: boolean;
  json?: boolean;
}
