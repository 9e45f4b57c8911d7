import { Command, CommanderError } from 'commander';
import { errorMessage, exitCodeFor, NodegridError, EXIT_CODES } from '../core/errors';
import { COMMIT, VERSION } from '../core/version';
import { registerCommands } from './commands';
import { writeCommanderOutputToDescriptor } from './lazy-stdio';
import { createOutput, redactForPrinting } from './output';

/**
 * The nodegrid command line. Each command lives in its own file under cli/:
 * it parses flags, opens the command's context (config, home, sinks), calls
 * the layers below and prints. What a command does lives in those layers
 * (node/, outbox/, presence/, grid/, monitor/, heartbeat/), so cli/ holds
 * no rule of its own, and nothing below imports it (the linter keeps it so).
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('nodegrid')
    .description('Track a fleet of servers through their lives: state on the node, in git presence, in chat and in EC2 tags.')
    .version(`${VERSION} (${COMMIT})`, '-V, --version', 'print the version and the commit it was built from')
    .option('--config <file>', 'config file, YAML or JSON (env NODEGRID_CONFIG)')
    .option('--nodeinfo <dir>', 'nodeinfo folder (env NODEGRID_NODEINFO)')
    .option('--home <dir>', "nodegrid's own state: log, outbox, locks (env NODEGRID_HOME)")
    .option('--no-color', 'no colour even on a terminal (NO_COLOR is honoured too)')
    .option('--debug', 'print stack traces of unexpected errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes:
  0 ok   1 unexpected failure   2 bad input, illegal transition or bad config
  3 problems found   4 delivery still pending   5 delivery stuck (tick)
  6 no such node (history, presence show)   69 a remote could not be read
  74 the disk cannot take a write
  75 busy: a lock not acquired in time, or a branch that kept moving (try again later)
  130, 143 wait stopped by Ctrl-C or SIGTERM before its condition held

Examples:
  $ nodegrid init --id i-4e7cb59a --deployment fed1 --nodepart db1 --stacktype lad1
  $ nodegrid state set setup
  $ nodegrid state set initdone --note "init took 104 s"
  $ nodegrid state
  $ nodegrid outbox flush`,
    );
  program.exitOverride();
  // commander's own errors may quote an argument (an option's value can be a secret).
  program.configureOutput({ outputError: (text, write) => write(redactForPrinting(text)) });
  // Before any command is registered: subcommands take the program's output settings when made.
  writeCommanderOutputToDescriptor(program);

  // Only the invoked command's module is loaded (each is its own chunk): a node runs
  // `state set` or `tick` every minute and should not pay for `serve` or `audit`.
  await registerCommands(program, argv);

  // Every subcommand exits through the same mapping, not commander's own exit(1).
  const applyOverride = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(applyOverride);
  };
  applyOverride(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
  const debug = argv.includes('--debug') || process.env.NODEGRID_DEBUG === '1';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return EXIT_CODES.E_BAD_INPUT;
    }
    // Every line goes through the process's redactor: the command's context gave it the node's secrets.
    const out = createOutput({ json: false, noColor: argv.includes('--no-color') });
    if (error instanceof NodegridError) {
      out.error(error.message);
      if (error.hint) out.info(`  ${error.hint}`);
    } else {
      out.error(`unexpected failure: ${errorMessage(error)}`);
      if (debug && error instanceof Error && error.stack) out.info(error.stack);
      else out.info('  run again with --debug for details');
    }
    return exitCodeFor(error);
  }
}
