/**
 * Whether `presence heartbeat` should beat now. A heartbeat every minute from
 * every node suits a small grid only (GitHub asks for at most ~6 pushes a minute
 * per repository), so the cadence is presence.heartbeat.everyMinutes. Pure.
 */
export function isHeartbeatDue(lastBeat: Date | undefined, now: Date, everyMinutes: number): boolean {
  if (lastBeat === undefined || Number.isNaN(lastBeat.getTime())) return true;
  if (isSubMinute(everyMinutes)) {
    // Beats closer than a minute are timed in milliseconds, with a second of slack for a tick a little early.
    const elapsed = now.getTime() - lastBeat.getTime();
    return elapsed >= everyMinutes * 60_000 - 1000 || elapsed < 0;
  }
  // Compared in whole UTC minutes, so a tick a few seconds early still counts as on time.
  const minute = (date: Date): number => Math.floor(date.getTime() / 60_000);
  const elapsed = minute(now) - minute(lastBeat);
  return elapsed >= everyMinutes || elapsed < 0;
}

/** A beat period under a minute: flattime folders cannot tell such beats apart, so each records its time. */
export function isSubMinute(everyMinutes: number): boolean {
  return everyMinutes < 1;
}
