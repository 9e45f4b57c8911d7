import os from 'node:os';
import path from 'node:path';

/**
 * Default locations. As root they follow the original layout (/root/nodeinfo)
 * and the FHS; otherwise XDG, so nodegrid runs unprivileged too.
 */
export interface UserContext {
  readonly isRoot: boolean;
  readonly homedir: string;
}

export function currentUser(): UserContext {
  return { isRoot: typeof process.getuid === 'function' && process.getuid() === 0, homedir: os.homedir() };
}

export type Env = Readonly<Record<string, string | undefined>>;

export function defaultConfigPath(user: UserContext, env: Env): string {
  if (user.isRoot) return '/etc/nodegrid/config.yaml';
  const configHome = env.XDG_CONFIG_HOME || path.join(user.homedir, '.config');
  return path.join(configHome, 'nodegrid', 'config.yaml');
}

export function defaultHomeDir(user: UserContext, env: Env): string {
  if (user.isRoot) return '/var/lib/nodegrid';
  const stateHome = env.XDG_STATE_HOME || path.join(user.homedir, '.local', 'state');
  return path.join(stateHome, 'nodegrid');
}

export function defaultNodeinfoDir(user: UserContext, homeDir: string): string {
  return user.isRoot ? '/root/nodeinfo' : path.join(homeDir, 'nodeinfo');
}

/** The folder of the git repos a node follows when nothing names one: the original's ~/gitrepo. */
export function defaultRepoDir(user: UserContext): string {
  return user.isRoot ? '/root/gitrepo' : path.join(user.homedir, 'gitrepo');
}
