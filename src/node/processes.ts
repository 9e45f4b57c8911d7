/**
 * Children nodegrid starts (sink commands, git, work scripts) run in their own
 * process group, so a timeout ends them together with everything they started.
 */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}
