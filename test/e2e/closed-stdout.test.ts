import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin } from '../helpers/cli';

/**
 * `nodegrid … | head` closes the pipe early; that is the reader's choice, and
 * nodegrid exits 0 with nothing on stderr, whether it printed through
 * process.stdout (made on first use, see src/cli/lazy-stdio.ts) or straight
 * to the descriptor (commander's help and version).
 */
const n = makeTestNode('nodegrid-closed-stdout-');
afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

/** The command with its stdout into `true`, which has exited before nodegrid prints; the status is nodegrid's (pipefail). */
function intoClosedPipe(args: string[]): { code: number | null; stderr: string } {
  const quoted = [process.execPath, nodegridBin(), ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('bash', ['-c', `set -o pipefail; ${quoted} | true`], { env: { ...cleanEnv(), ...n.env }, encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr };
}

describe('a reader that has gone', () => {
  it('help and version: exit 0, nothing on stderr', () => {
    expect(intoClosedPipe(['--help'])).toEqual({ code: 0, stderr: '' });
    expect(intoClosedPipe(['--version'])).toEqual({ code: 0, stderr: '' });
    expect(intoClosedPipe(['state', '--help'])).toEqual({ code: 0, stderr: '' });
  });

  it("a command's report through process.stdout: exit 0, nothing on stderr", () => {
    expect(intoClosedPipe(['info', '--json'])).toEqual({ code: 0, stderr: '' });
  });
});
