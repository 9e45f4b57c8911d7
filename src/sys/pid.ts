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
