import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestNode, runCli } from '../helpers/cli';

/**
 * `nodegrid --help` prints the root help from the generated command list
 * (src/cli/command-stubs.ts) instead of loading every command; `nodegrid help`
 * still loads them all, so the two must print the same bytes.
 */
const n = makeTestNode('nodegrid-root-help-');
fs.mkdirSync(n.home, { recursive: true });
afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

describe('nodegrid --help, built', () => {
  it('prints what `nodegrid help` prints with every command loaded, byte for byte', async () => {
    const loaded = await runCli(['help']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain('\nCommands:\n  init [options]');
    expect(loaded.stdout).toContain('\nExit codes:\n');
    for (const argv of [['--help'], ['-h'], ['--no-color', '--help'], ['--config', 'none.yaml', '--help']]) {
      const stubs = await runCli(argv);
      expect([stubs.code, stubs.stderr], argv.join(' ')).toEqual([0, '']);
      expect(stubs.stdout, argv.join(' ')).toBe(loaded.stdout);
    }
  });

  it('loads no command: the code cache of a --help run holds the program file alone', async () => {
    const result = await n.run(['--help']);
    expect(result.code, result.stderr).toBe(0);
    const cache = path.join(n.home, 'cache');
    const files = fs.readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((name) => fs.statSync(path.join(cache, name)).isFile());
    expect(files).toEqual([expect.stringMatching(/\/none\/nodegrid-main\.bin$/)]);
  });

  it("still suggests a command for a misspelt one, and a command's own help is its own", async () => {
    const misspelt = await runCli(['stat']);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain("error: unknown command 'stat'\n(Did you mean state?)");
    const state = await runCli(['state', '--help']);
    expect(state.code, state.stderr).toBe(0);
    expect(state.stdout).toMatch(/^Usage: nodegrid state \[options\] \[command\]/);
    expect(state.stdout).toContain('set [options] <state>');
    expect((await runCli(['help', 'state'])).stdout).toBe(state.stdout);
  });
});
