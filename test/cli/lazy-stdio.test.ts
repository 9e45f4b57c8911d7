import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forcedColor } from '../../src/cli/lazy-stdio';

afterEach(() => vi.unstubAllEnvs());

describe('commander output without process.stdout', () => {
  it('reads the colour conventions as commander does when stdout is not a terminal', () => {
    const commanders = new Command().configureOutput();
    const stdout = Object.getOwnPropertyDescriptor(process, 'stdout')!;
    const cases: Array<Record<string, string | undefined>> = [
      {},
      { NO_COLOR: '1' },
      { NO_COLOR: '' },
      { FORCE_COLOR: '0' },
      { FORCE_COLOR: 'false' },
      { FORCE_COLOR: '1' },
      { FORCE_COLOR: '' },
      { CLICOLOR_FORCE: '0' },
      { NO_COLOR: '1', FORCE_COLOR: '1' },
    ];
    try {
      // What commander sees on a pipe or a file.
      Object.defineProperty(process, 'stdout', { configurable: true, value: { isTTY: false } });
      for (const env of cases) {
        for (const name of ['NO_COLOR', 'FORCE_COLOR', 'CLICOLOR_FORCE']) vi.stubEnv(name, env[name]);
        // commander's own answer is `undefined` then, whatever its type says.
        const theirs: unknown = commanders.getOutHasColors!();
        expect(forcedColor(env) ?? false, JSON.stringify(env)).toBe(theirs === true);
      }
    } finally {
      Object.defineProperty(process, 'stdout', stdout);
    }
  });
});
