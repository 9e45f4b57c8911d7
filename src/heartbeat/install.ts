import fs from 'node:fs';
import path from 'node:path';
import { TICK_LOG_MAX_BYTES } from './tick-log';

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
  /** The command that runs one beat, e.g. ["/usr/bin/node", "/opt/nodegrid/dist/nodegrid.cjs", "tick"]. */
  readonly tickCommand: readonly string[];
  readonly agentCommand: readonly string[];
  /** NODEGRID_* variables to carry into the scheduled job. */
  readonly environment: Readonly<Record<string, string>>;
  /** The PATH a cron job runs with (see cronSearchPath); systemd units keep systemd's own. */
  readonly searchPath: string;
  /** Where a cron job's output goes ($NODEGRID_HOME/log/tick.log); the tick keeps it bounded. */
  readonly tickLog: string;
  readonly user: string;
}

/** What a cron job gets when the installing shell had no usable PATH: cron's own /usr/bin:/bin finds no git in /usr/local/bin. */
export const DEFAULT_CRON_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The installing shell's PATH, so work scripts find under cron the tools they
 * found when someone ran `nodegrid tick` by hand; relative entries (".", "bin")
 * are dropped, as they would name whatever folder cron starts in.
 */
export function cronSearchPath(installerPath: string | undefined): string {
  const absolute = (installerPath ?? '').split(':').filter((entry) => entry.startsWith('/') && !/[\n\r]/.test(entry));
  return absolute.length > 0 ? [...new Set(absolute)].join(':') : DEFAULT_CRON_PATH;
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
    const cronEnv: Array<[string, string]> = [['PATH', target.searchPath], ...env];
    if (target.root) {
      const envLines = cronEnv.map(([key, value]) => `${key}=${value}`).join('\n');
      const why = `# Every beat's output, errors included, is appended to ${target.tickLog}; the tick rotates it past ${TICK_LOG_MAX_BYTES / 1024 / 1024} MiB (one ${path.basename(target.tickLog)}.1 kept).`;
      return [{ path: at('/etc/cron.d/nodegrid'), content: `${MARKER}\n${why}\n${envLines}\n* * * * * root ${cronCommand(target, '')}\n` }];
    }
    // A user's crontab is one file that is not ours alone: nodegrid keeps its lines in a
    // marked block of exactly one line after the marker (installed with `crontab FILE` by
    // the caller when no prefix is given), so the variables go on the command itself.
    const inline = cronEnv.map(([key, value]) => `${key}=${quote(value)} `).join('');
    return [{ path: at(path.join(target.homedir, '.config/nodegrid/crontab.nodegrid')), content: `${MARKER}\n* * * * * ${cronCommand(target, inline)}\n` }];
  }
  const unitDir = target.root ? '/etc/systemd/system' : path.join(target.homedir, '.config/systemd/user');
  const envLines = env.map(([key, value]) => `Environment=${key}=${quote(value)}`).join('\n');
  const service = [
    MARKER,
    '[Unit]',
    'Description=nodegrid heartbeat: pull, work, report presence',
    'Wants=network-online.target',
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

/**
 * The shell line cron runs: the log's folder made if it is gone (else the
 * redirection fails and the beat never starts), then the tick, which rotates
 * the log it is told about, with stdout and stderr appended to it: a tick that
 * fails before it could open its own log (a broken config, exit 2) still leaves
 * its message. cron reads "%" as a newline: escaped.
 */
function cronCommand(target: InstallTarget, inlineEnv: string): string {
  const log = quote(target.tickLog);
  const folder = quote(path.dirname(target.tickLog));
  const tick = [...target.tickCommand, '--output-log', target.tickLog].map(quote).join(' ');
  return `[ -d ${folder} ] || mkdir -p ${folder}; ${inlineEnv}${tick} >>${log} 2>&1`.replace(/%/g, '\\%');
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
