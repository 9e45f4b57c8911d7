import { errorMessage } from '../core/errors';
import { ok, problem, type CheckResult } from './check';

/**
 * This node's clock against the remote's, where that can be measured: an
 * http(s) git server sends a Date header with every answer. Presence times
 * (statetss, heartbeats) come from the node's clock and observers judge them
 * by theirs, so a node minutes off looks stale or zombie to the grid.
 * git:// and ssh carry no time, and a local path is this machine.
 */
export const MAX_SKEW_SECONDS = 60;

export async function checkClockSkew(sink: string, argvUrl: string, shownUrl: string, timeoutMs: number, now: () => number = Date.now): Promise<CheckResult> {
  const name = `clock ${sink}`;
  if (!/^https?:\/\//i.test(argvUrl)) {
    const local = argvUrl.startsWith('/') || argvUrl.startsWith('.') || /^file:\/\//i.test(argvUrl);
    return ok(name, local ? 'the remote is on this machine: no skew' : 'not measurable for git:// and ssh remotes (they carry no time); compare with NTP instead (timedatectl, chronyc tracking)');
  }
  // The URL without credentials (they stay in git's environment): a 401 carries a Date header too.
  const url = `${argvUrl.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`;
  const sent = now();
  let date: string | null;
  try {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    date = response.headers.get('date');
    await response.body?.cancel().catch(() => undefined);
  } catch (error) {
    return ok(name, `not measured: ${shownUrl} did not answer over HTTP (${errorMessage(error)})`);
  }
  const received = now();
  const theirs = date === null ? NaN : Date.parse(date);
  if (Number.isNaN(theirs)) return ok(name, `not measured: ${shownUrl} sent no Date header`);
  // The header has whole seconds: compare with the middle of the exchange, allow for the rounding.
  const skewSeconds = Math.round((((sent + received) / 2) - theirs) / 1000);
  const how = `${Math.abs(skewSeconds)} s ${skewSeconds >= 0 ? 'ahead of' : 'behind'} ${shownUrl}`;
  if (Math.abs(skewSeconds) > MAX_SKEW_SECONDS) {
    return problem(name, `this node's clock is ${how}`, 'sync the clock (chrony or systemd-timesyncd): presence times come from it, and a node far off looks stale to the grid');
  }
  return ok(name, `this node's clock is within ${Math.max(1, Math.abs(skewSeconds))} s of ${shownUrl}`);
}
