import fs from 'node:fs';
import { errorMessage, NodegridError } from '../core/errors';
import { MARKER, planInstall, type InstallTarget } from './install';

/**
 * Turning installed files on and off: the user's crontab block (merged, every
 * other line kept) or the systemd timer. Real installs only: with a --prefix
 * (an image build, a test) nothing outside the prefix is touched.
 * child_process is loaded here only: `install` shares the entry file with
 * `state set`, which must start fast.
 */
export async function activateSchedule(target: InstallTarget, files: readonly string[]): Promise<string[]> {
  if (target.prefix !== '/') return [];
  const { execFileSync } = await import('node:child_process');
  try {
    if (target.kind === 'cron' && !target.root) mergeUserCrontab(execFileSync, files[0]!, false);
    if (target.kind === 'systemd') {
      const user = target.root ? [] : ['--user'];
      execFileSync('systemctl', [...user, 'daemon-reload'], { stdio: 'ignore' });
      execFileSync('systemctl', [...user, 'enable', '--now', 'nodegrid.timer'], { stdio: 'ignore' });
      return ['enabled nodegrid.timer'];
    }
    return [];
  } catch (error) {
    throw new NodegridError('E_UNEXPECTED', `files written, but activating them failed: ${errorMessage(error)}`);
  }
}

/** False when the schedule could not be turned off (already gone?); the files are removed either way. */
export async function deactivateSchedule(target: InstallTarget): Promise<boolean> {
  if (target.prefix !== '/') return true;
  const { execFileSync } = await import('node:child_process');
  try {
    if (target.kind === 'cron' && !target.root) mergeUserCrontab(execFileSync, planInstall(target)[0]!.path, true);
    if (target.kind === 'systemd') execFileSync('systemctl', [...(target.root ? [] : ['--user']), 'disable', '--now', 'nodegrid.timer'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Replaces nodegrid's marked lines in the user's crontab, keeping every other line. */
function mergeUserCrontab(execFileSync: typeof import('node:child_process').execFileSync, blockFile: string, remove: boolean): void {
  let current = '';
  try {
    current = execFileSync('crontab', ['-l'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    /* no crontab yet */
  }
  const kept = current.split('\n').filter((line, i, lines) => line !== MARKER && lines[i - 1] !== MARKER);
  const block = remove ? [] : fs.readFileSync(blockFile, 'utf8').trimEnd().split('\n');
  const next = `${[...kept.filter((line) => line.trim() !== ''), ...block].join('\n')}\n`;
  execFileSync('crontab', ['-'], { input: next });
}
