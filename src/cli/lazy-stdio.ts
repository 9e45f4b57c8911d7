import fs from 'node:fs';
import type { Command } from 'commander';
import type { Env } from '../config/paths';

/**
 * process.stdout and process.stderr are made the first time they are read,
 * and making one loads node's stream modules (net and tty for a socket or a
 * terminal): some 4% of a `--help` or `--version` start, which print a few
 * lines and exit. So nothing here creates them before something prints.
 */

/** `attach(stream)` once the stream exists, without creating it now. */
export function whenCreated(name: 'stdout' | 'stderr', attach: (stream: NodeJS.WriteStream) => void): void {
  const node = Object.getOwnPropertyDescriptor(process, name);
  if (node?.get === undefined || node.configurable !== true) {
    attach(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: node.enumerable ?? true,
    get(): NodeJS.WriteStream {
      // node's own getter keeps the stream it made: put it back, then hand the stream over once.
      Object.defineProperty(process, name, node);
      const stream = node.get!.call(process) as NodeJS.WriteStream;
      attach(stream);
      return stream;
    },
  });
}

/**
 * commander's help and version go to fd 1 directly when it is a pipe, a
 * socket or a file: then commander would ask the stream for nothing but
 * `isTTY`, which is false. On a terminal (its width) or anything else
 * (/dev/null is a device like a terminal, and telling them apart loads tty),
 * commander's own output stays.
 */
export function writeCommanderOutputToDescriptor(program: Command, env: Env = process.env): void {
  if (!isPipeOrFile(1)) return;
  program.configureOutput({
    writeOut: (text) => writeToStdout(text),
    // commander prints 80 columns wide when stdout is not a terminal.
    getOutHelpWidth: () => 80,
    getOutHasColors: () => forcedColor(env) ?? false,
  });
}

function isPipeOrFile(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFIFO() || stat.isSocket() || stat.isFile();
  } catch {
    return false;
  }
}

/** All of it, or what is left through the stream when the descriptor would block; nothing more once the reader has gone. */
function writeToStdout(text: string): void {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(fs.writeSync(1, rest));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(rest);
    else if (code !== 'EPIPE') throw error;
  }
}

/** commander's reading of the colour conventions (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE), which decides when stdout is not a terminal. */
export function forcedColor(env: Env): boolean | undefined {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}
