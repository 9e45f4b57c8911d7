/** Global options that take a value, so the command name is found after them. */
const GLOBAL_WITH_VALUE = new Set(['--config', '--nodeinfo', '--home']);

/**
 * The command named in argv (`nodegrid --home /x state set` → "state"), found
 * without commander: the CLI loads only that command's module, and the
 * launcher keeps one code cache per command.
 */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The --home given in argv, either as `--home DIR` or `--home=DIR`. */
export function homeFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined;
    if (arg === '--home') return argv[i + 1];
    if (arg.startsWith('--home=')) return arg.slice('--home='.length);
  }
  return undefined;
}
