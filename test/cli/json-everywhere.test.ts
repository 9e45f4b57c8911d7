import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main';

/**
 * Commands with no report to print: a loop, a server, and writers whose only
 * output is "done". Every other command prints something a script may read,
 * so a new command that forgets --json fails here.
 */
const NO_JSON: Record<string, string> = {
  agent: 'beats forever; each beat is a tick, which has --json',
  serve: 'a server; its /api/* endpoints are the JSON',
  install: 'writes a cron entry or systemd units',
  'outbox drop': 'removes queued events, prints how many',
};

function commandsWithActions(command: Command, path: string[] = []): string[] {
  // commander keeps the action on a private field; a command with subcommands and no action is only a group.
  const runs = command.commands.length === 0 || (command as unknown as { _actionHandler: unknown })._actionHandler !== null;
  const here = path.length > 0 && runs ? [path.join(' ')] : [];
  return [...here, ...command.commands.flatMap((sub) => commandsWithActions(sub, [...path, sub.name()]))];
}

describe('--json', () => {
  it('is an option of every command that prints a report', async () => {
    const program = await buildProgram([]);
    const names = commandsWithActions(program);
    expect(names).toContain('state');
    expect(names).toContain('presence show');
    const missing = names.filter((name) => !(name in NO_JSON)).filter((name) => {
      const command = name.split(' ').reduce<Command>((parent, part) => parent.commands.find((sub) => sub.name() === part)!, program);
      return !command.options.some((option) => option.long === '--json');
    });
    expect(missing).toEqual([]);
  });

  it('the commands left out still exist (the list above is not stale)', async () => {
    const names = commandsWithActions(await buildProgram([]));
    for (const name of Object.keys(NO_JSON)) expect(names).toContain(name);
  });
});
