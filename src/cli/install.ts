import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { repoDirSetting } from '../config/load';
import { currentUser } from '../config/paths';
import { NodegridError } from '../core/errors';
import { activateSchedule, deactivateSchedule } from '../heartbeat/activate';
import { applyPlan, cronSearchPath, DEFAULT_CRON_PATH, planInstall, type InstallTarget } from '../heartbeat/install';
import { openContext, type CliContext } from './context';

export function registerInstallCommand(program: Command): void {
  program
    .command('install')
    .description('schedule the heartbeat: a cron entry or a systemd service + timer (idempotent)')
    .argument('<kind>', 'cron or systemd')
    .option('--dry-run', 'print what would be written, change nothing')
    .option('--uninstall', 'remove exactly what install wrote')
    .option('--prefix <dir>', 'write under this folder instead of / (image builds, tests); does not touch crontab or systemctl')
    .option('--repo-dir <dir>', 'the git repos the scheduled tick follows, carried as NODEGRID_REPO_DIR (default: as tick finds it)')
    .addHelpText(
      'after',
      `
As root: /etc/cron.d/nodegrid, or /etc/systemd/system/nodegrid.{service,timer}.
Otherwise: a marked block in your crontab, or ~/.config/systemd/user units.
The job carries the NODEGRID_* locations this command was given. A cron job
also gets this shell's PATH (its absolute entries; when there are none,
${DEFAULT_CRON_PATH}) and appends every beat's output to
$NODEGRID_HOME/log/tick.log, which the tick rotates past 1 MiB (tick.log.1).
systemd keeps the output in the journal (journalctl -u nodegrid).

Examples:
  $ sudo nodegrid install cron
  $ nodegrid install systemd --dry-run
  $ nodegrid install cron --uninstall`,
    )
    .action(async (kind: string, options: InstallOptions, command: Command) => {
      if (kind !== 'cron' && kind !== 'systemd') throw new NodegridError('E_BAD_INPUT', `install takes cron or systemd, not ${JSON.stringify(kind.slice(0, 40))}`);
      const context = await openContext(command);
      const target = installTarget(context, kind, options);
      const files = planInstall(target);
      if (options.dryRun) {
        for (const file of files) context.out.result(`${options.uninstall ? 'would remove' : 'would write'} ${file.path}:\n${options.uninstall ? '' : file.content}`);
        return;
      }
      if (options.uninstall && !(await deactivateSchedule(target))) context.out.warn('could not deactivate the schedule (already gone?)');
      const result = applyPlan(files, options.uninstall ?? false);
      for (const file of result.written) context.out.result(`wrote ${file}`);
      for (const file of result.unchanged) context.out.result(`unchanged ${file}`);
      for (const file of result.removed) context.out.result(`removed ${file}`);
      if (result.refused.length > 0) {
        throw new NodegridError('E_BAD_INPUT', `not touching ${result.refused.join(', ')}: it exists and was not written by nodegrid install`);
      }
      if (!options.uninstall) for (const line of await activateSchedule(target, files.map((f) => f.path))) context.out.result(line);
      context.log.write(`install ${kind}${options.uninstall ? ' --uninstall' : ''}: ${[...result.written, ...result.removed].join(', ') || 'nothing changed'}`);
    });
}

interface InstallOptions {
  dryRun?: boolean;
  uninstall?: boolean;
  prefix?: string;
  repoDir?: string;
}

function installTarget(context: CliContext, kind: 'cron' | 'systemd', options: InstallOptions): InstallTarget {
  const bin = path.resolve(process.argv[1] ?? 'nodegrid');
  const environment: Record<string, string> = {};
  // Carry the locations this command was run with, so the scheduled beat uses the same node.
  if (context.settings.nodeinfoDir.source !== 'default') environment.NODEGRID_NODEINFO = context.settings.nodeinfoDir.path;
  if (context.settings.homeDir.source !== 'default') environment.NODEGRID_HOME = context.settings.homeDir.path;
  if (context.settings.configFile.source !== 'default') environment.NODEGRID_CONFIG = context.settings.configFile.path;
  // Not heartbeat.repoDir: the tick reads the config itself, and a copy here would outlive an edit of it.
  const repoDir = repoDirSetting(options.repoDir, process.env, undefined, currentUser());
  if (repoDir.source === 'flag' || repoDir.source === 'env') environment.NODEGRID_REPO_DIR = repoDir.path;
  return {
    kind,
    root: process.getuid?.() === 0,
    prefix: path.resolve(options.prefix ?? '/'),
    homedir: os.homedir(),
    tickCommand: [process.execPath, bin, 'tick'],
    agentCommand: [process.execPath, bin, 'agent'],
    environment,
    searchPath: cronSearchPath(process.env.PATH),
    tickLog: context.home.tickLogFile,
    user: os.userInfo().username,
  };
}
