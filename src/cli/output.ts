import type { Env } from '../config/paths';
import { createRedactor, environmentSecrets, type Redactor } from '../core/secrets';

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

/**
 * Everything this process prints passes through one redactor. Until the
 * context has gathered the node's secrets (config, nodeinfo) it knows the
 * environment's; a failure while loading config is printed through that.
 * One per process, not per Output: main's error handler prints with an
 * Output of its own, after the command's context has gone.
 */
let redactPrinted: Redactor = (text) => {
  // Made on the first print, not at start: reading the environment for secrets is
  // about 1% of a start, and --help or --version print nothing through it.
  redactPrinted = createRedactor(environmentSecrets(process.env));
  return redactPrinted(text);
};

export function redactEverythingPrinted(redactor: Redactor): void {
  redactPrinted = redactor;
}

/** For text printed without an Output (commander's own error lines). */
export function redactForPrinting(text: string): string {
  return redactPrinted(text);
}

export function shouldUseColor(stream: NodeJS.WriteStream, env: Env, disabled: boolean): boolean {
  return !disabled && stream.isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function createOutput(options: { json: boolean; noColor: boolean; env?: Env }): Output {
  const env = options.env ?? process.env;
  const outColor = shouldUseColor(process.stdout, env, options.noColor);
  const errColor = shouldUseColor(process.stderr, env, options.noColor);
  const paintWith = (enabled: boolean) => (style: Style, text: string) => (enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const paintErr = paintWith(errColor);
  return {
    json: options.json,
    result: (text) => process.stdout.write(`${redactPrinted(text)}\n`),
    resultJson: (value) => process.stdout.write(`${redactPrinted(JSON.stringify(value, null, 2))}\n`),
    info: (text) => process.stderr.write(`${redactPrinted(text)}\n`),
    warn: (text) => process.stderr.write(`${paintErr('yellow', 'warning:')} ${redactPrinted(text)}\n`),
    error: (text) => process.stderr.write(`${paintErr('red', 'error:')} ${redactPrinted(text)}\n`),
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
