import { defineConfig } from 'vitest/config';

/**
 * Tests that load the whole machine by design (a 20-node burst, the 100-kill
 * loop, the ten-node demo) run alone, after the rest: beside other tests on two
 * cores they measure the neighbours, not nodegrid.
 */
const ALONE = ['test/e2e/demo.test.ts', 'test/e2e/presence-contention.test.ts', 'test/e2e/presence-recovery.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report is what .ci/run reads for its closing 'tests: N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Two cores: tests start real processes and servers; more workers only add contention.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
