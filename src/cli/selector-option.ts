import type { Command } from 'commander';

/**
 * `-l, --selector`, as `kubectl -l` takes it, for every command that selects
 * nodes (nodes, find, wait, serve): repeatable, each one comma-separated
 * requirements, all of which must hold. Parsed by core/label-selector.ts.
 */
export function addSelectorOption(command: Command): Command {
  return command.option(
    '-l, --selector <selector>',
    'only nodes whose labels match: key=value, key!=value, key (has it), !key (has it not); comma-separated, repeatable (all must hold)',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  );
}

export const SELECTOR_HELP = `Labels come from presence.labels and the nodeinfo folder's labels.txt
(key=value per line); -l selects by them as kubectl -l does: env=prod,
env!=prod (also nodes without env), tier (has the label), !legacy (has not).
A selector that is not one of these is refused with exit 2.`;
