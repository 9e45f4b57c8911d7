import { spawnSync } from 'node:child_process';

/**
 * Prometheus' own checker (Debian package "prometheus", installed by .ci/run):
 * the real parser and linter, not our idea of the format.
 */
export interface PromtoolResult {
  readonly code: number | null;
  readonly output: string;
}

export function promtool(args: readonly string[], input?: string): PromtoolResult {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`promtool could not run (${result.error.message}); install Debian's prometheus package`);
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** `promtool check metrics` on the text: exit 0 and no lint complaint, or the complaint. */
export function checkMetrics(text: string): PromtoolResult {
  return promtool(['check', 'metrics'], text);
}
