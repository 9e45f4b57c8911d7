import { NodegridError } from '../core/errors';
import { pickSetting } from './load';
import type { Env } from './paths';

/**
 * The settings a command takes as a flag, an environment variable and (for
 * some) a config key, in the one order of precedence: flag, env, config,
 * default. Flags arrive as the parser gave them; this is where they meet.
 */

/** A seconds value from a flag or env var: a non-negative number, or a clear E_BAD_INPUT. */
export function parseSeconds(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
    throw new NodegridError('E_BAD_INPUT', `${what} must be a number of seconds between 0 and 86400, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return seconds;
}

/** How long a command waits for delivery: --wait / NODEGRID_WAIT / outbox.waitSeconds / 10 s, with --no-wait meaning 0. */
export function waitSeconds(flag: string | boolean | undefined, env: Env, configured: number | undefined): number {
  if (flag === false) return 0;
  const fromFlag = typeof flag === 'string' ? parseSeconds(flag, '--wait') : undefined;
  const fromEnv = parseSeconds(env.NODEGRID_WAIT || undefined, 'NODEGRID_WAIT');
  return pickSetting(fromFlag, fromEnv, configured, 10).value;
}

/** How long a command waits for a busy lock: --lock-timeout / NODEGRID_LOCK_TIMEOUT / 30 s. */
export function lockTimeoutSeconds(flag: string | undefined, env: Env): number {
  const fromFlag = parseSeconds(flag, '--lock-timeout');
  const fromEnv = parseSeconds(env.NODEGRID_LOCK_TIMEOUT || undefined, 'NODEGRID_LOCK_TIMEOUT');
  return pickSetting(fromFlag, fromEnv, undefined, 30).value;
}
