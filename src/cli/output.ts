import type { Env } from '../config/paths';

/**
 * Where results and messages go: results to stdout (JSON with --json), messages
 * to stderr. Colour only on a TTY, never with NO_COLOR or --no-color.
 */
const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export interface Output {
  readonly json: boolean;
  result(text: string): void;
  resultJson(value: unknown): void;
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  paint(style: Style, text: string): string;
}

export function shouldUseColor(stream: NodeJS.WriteStream, env: Env, disabled: boolean): boolean {
  return !disabled && stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function createOutput(options: { json: boolean; noColor: boolean; env?: Env }): Output {
  const env = options.env ?? process.env;
  const outColor = shouldUseColor(process.stdout, env, options.noColor);
  const errColor = shouldUseColor(process.stderr, env, options.noColor);
  const paintWith = (enabled: boolean) => (style: Style, text: string) => (enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const paintErr = paintWith(errColor);
  return {
    json: options.json,
    result: (text) => process.stdout.write(`${text}\n`),
    resultJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    info: (text) => process.stderr.write(`${text}\n`),
    warn: (text) => process.stderr.write(`${paintErr('yellow', 'warning:')} ${text}\n`),
    error: (text) => process.stderr.write(`${paintErr('red', 'error:')} ${text}\n`),
    paint: paintWith(outColor),
  };
}

/** The colour names of the lifecycle (SPEC §4.3) as terminal styles. */
export function styleForColor(color: string): Style {
  switch (color) {
    case 'green':
      return 'green';
    case 'yellow':
      return 'yellow';
    case 'red':
      return 'red';
    case 'purple':
      return 'magenta';
    default:
      return 'gray';
  }
}
