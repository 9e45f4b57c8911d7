import fs from 'node:fs';
import type { NodeLog } from './log';

/**
 * A durable file that fails its schema is not ours to interpret any more:
 * it is moved aside whole (kept for a person, never deleted), named in a
 * warning on stderr and in the node log, and everything else goes on.
 */
export function setAside(file: string, problem: string, aside: string, log?: NodeLog): void {
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    // Another nodegrid that read the same file set it aside first.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  warnSetAside(file, problem, aside, log);
}

/** The warning alone, for a caller that moved the file itself. */
export function warnSetAside(file: string, problem: string, aside: string, log?: NodeLog): void {
  const message = `${file}: ${problem}; moved it to ${aside} (look at it there; nodegrid goes on without it)`;
  process.stderr.write(`warning: ${message}\n`);
  log?.write(`WARNING: ${message}`);
}
