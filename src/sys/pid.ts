import { readFileSync } from 'node:fs';

/**
 * Apart from process.ts so the paths that only check a pid (locks, temp-file
 * cleanup on every command) never load node:child_process.
 */
/** Whether a process is running (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat (clock ticks since boot): with the pid, it names one process for good. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let ownTag: string | undefined;
/** "<pid>:<start time>" of this process, for children to carry (git/run.ts), so a later reader can tell whether we still run. */
export function ownProcessTag(): string {
  ownTag ??= `${process.pid}:${processStartTime(process.pid) ?? ''}`;
  return ownTag;
}

/** Whether the process a tag names is still running (a pid reused since does not count). */
export function taggedProcessIsAlive(tag: string): boolean {
  const [pid, started] = tag.split(':');
  if (!pid || !/^\d+$/.test(pid)) return false;
  const now = processStartTime(Number(pid));
  return now !== undefined && (started === '' || now === started);
}
