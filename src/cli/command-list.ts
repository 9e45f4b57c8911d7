import type { Command } from 'commander';
import { buildProgram } from './main';

/**
 * What `nodegrid --help` shows of each command, taken from the real
 * registrations: `npm run docs` (scripts/command-list.mjs) writes it to
 * command-list.json, from which command-stubs.ts prints root help without
 * loading any command. Not part of the CLI's bundle.
 */
export interface ListedCommand {
  readonly name: string;
  /** commander's term for it in the list, e.g. `notify [options] <text>`. */
  readonly term: string;
  readonly description: string;
}

export function listCommands(program: Command): ListedCommand[] {
  const help = program.createHelp();
  // visibleCommands adds commander's own `help [command]`, which the stubs' program gets anyway.
  return help
    .visibleCommands(program)
    .filter((command) => program.commands.includes(command))
    .map((command) => ({ name: command.name(), term: help.subcommandTerm(command), description: help.subcommandDescription(command) }));
}

/** command-list.json as it should be now: every command loaded, as `nodegrid` with no arguments does. */
export async function renderCommandList(): Promise<string> {
  return `${JSON.stringify(listCommands(await buildProgram([])), null, 2)}\n`;
}
