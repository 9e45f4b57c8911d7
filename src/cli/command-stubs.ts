import { Help, type Command } from 'commander';
import COMMAND_LIST from './command-list.json';

/**
 * `nodegrid --help` alone lists every command, one line each, and prints
 * nothing else of theirs: loading every command's chunk to ask it for that
 * line cost about half a start again. So for root help each command is a stub
 * made from command-list.json, which `npm run docs` writes from the real
 * registrations (src/cli/command-list.ts; a test fails when it is stale).
 *
 * commander builds a line from the command's options and arguments, which a
 * stub has none of, so the term comes from the list too.
 */
export function registerCommandStubs(program: Command): void {
  const terms = new Map<string, string>();
  for (const { name, term, description } of COMMAND_LIST) {
    program.command(name).summary(description);
    terms.set(name, term);
  }
  program.configureHelp({
    subcommandTerm(this: Help, command: Command): string {
      // commander's own `help [command]` is not in the list.
      return terms.get(command.name()) ?? Help.prototype.subcommandTerm.call(this, command);
    },
  });
}
