import fs from 'node:fs';
import path from 'node:path';

/**
 * What `nodegrid install cron|systemd` writes: plain text files rendered from
 * the command line that runs a beat. Every file carries a marker line so
 * --uninstall removes exactly what was installed and nothing else.
 */
export const MARKER = '# installed by nodegrid install';

export interface InstallTarget {
  readonly kind: 'cron' | 'systemd';
  readonly root: boolean;
  /** Folder prefix for tests and image builds ("/" in real use). */
  readonly prefix: string;
  readonly homedir: string;
  /** The command that runs one beat, e.g. ["/usr/bin/node", "/opt/nodegrid/dist/nodegrid.mjs", "tick"]. */
  readonly tickCommand: readonly string[];
  readonly agentCommand: readonly string[];
  /** NODEGRID_* variables to carry into the scheduled job. */
  readonly environment: Readonly<Record<string, string>>;
  readonly user: string;
}

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

const quote = (arg: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export function planInstall(target: InstallTarget): PlannedFile[] {
  const at = (file: string): string => path.join(target.prefix, file);
  const env = Object.entries(target.environment);
  if (target.kind === 'cron') {
    const command = target.tickCommand.map(quote).join(' ');
    const envLines = env.map(([key, value]) => `${key}=${value}`).join('\n');
    if (target.root) {
      return [{ path: at('/etc/cron.d/nodegrid'), content: `${MARKER}\n${envLines ? `${envLines}\n` : ''}* * * * * root ${command} >/dev/null 2>&1\n` }];
    }
    // A user's crontab is one file that is not ours alone: nodegrid keeps its lines in a
    // marked block (installed with `crontab FILE` by the caller when no prefix is given).
    return [{ path: at(path.join(target.homedir, '.config/nodegrid/crontab.nodegrid')), content: `${MARKER}\n* * * * * ${env.map(([k, v]) => `${k}=${quote(v)} `).join('')}${command} >/dev/null 2>&1\n` }];
  }
  const unitDir = target.root ? '/etc/systemd/system' : path.join(target.homedir, '.config/systemd/user');
  const envLines = env.map(([key, value]) => `Environment=${key}=${quote(value)}`).join('\n');
  const service = [
    MARKER,
    '[Unit]',
    'Description=nodegrid heartbeat: pull, work, report presence',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    ...(envLines ? [envLines] : []),
    `ExecStart=${target.tickCommand.map(quote).join(' ')}`,
    'TimeoutStartSec=15min',
    '',
  ].join('\n');
  const timer = [
    MARKER,
    '[Unit]',
    'Description=nodegrid heartbeat every minute',
    '',
    '[Timer]',
    'OnBootSec=30s',
    'OnUnitActiveSec=60s',
    'AccuracySec=1s',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return [
    { path: at(path.join(unitDir, 'nodegrid.service')), content: service },
    { path: at(path.join(unitDir, 'nodegrid.timer')), content: timer },
  ];
}

export interface ApplyResult {
  readonly written: string[];
  readonly unchanged: string[];
  readonly removed: string[];
  readonly refused: string[];
}

/** Writes (or removes) the planned files; a file without our marker is never touched. */
export function applyPlan(files: readonly PlannedFile[], uninstall: boolean): ApplyResult {
  const result: ApplyResult = { written: [], unchanged: [], removed: [], refused: [] };
  for (const file of files) {
    const existing = fs.existsSync(file.path) ? fs.readFileSync(file.path, 'utf8') : undefined;
    if (existing !== undefined && !existing.startsWith(MARKER)) {
      result.refused.push(file.path);
      continue;
    }
    if (uninstall) {
      if (existing !== undefined) {
        fs.rmSync(file.path);
        result.removed.push(file.path);
      }
      continue;
    }
    if (existing === file.content) {
      result.unchanged.push(file.path);
      continue;
    }
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.content);
    result.written.push(file.path);
  }
  return result;
}
