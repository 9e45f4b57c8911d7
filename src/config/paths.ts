// Named imports: the launcher loads this file, and a default import of a built-in costs it an interop copy.
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Default locations. As root they follow the original layout (/root/nodeinfo)
 * and the FHS; otherwise XDG, so nodegrid runs unprivileged too.
 */
export interface UserContext {
  readonly isRoot: boolean;
  readonly homedir: string;
}

export function currentUser(): UserContext {
  return { isRoot: typeof process.getuid === 'function' && process.getuid() === 0, homedir: homedir() };
}

export type Env = Readonly<Record<string, string | undefined>>;

export function defaultConfigPath(user: UserContext, env: Env): string {
  if (user.isRoot) return '/etc/nodegrid/config.yaml';
  const configHome = env.XDG_CONFIG_HOME || join(user.homedir, '.config');
  return join(configHome, 'nodegrid', 'config.yaml');
}

export function defaultHomeDir(user: UserContext, env: Env): string {
  if (user.isRoot) return '/var/lib/nodegrid';
  const stateHome = env.XDG_STATE_HOME || join(user.homedir, '.local', 'state');
  return join(stateHome, 'nodegrid');
}

export function defaultNodeinfoDir(user: UserContext, homeDir: string): string {
  return user.isRoot ? '/root/nodeinfo' : join(homeDir, 'nodeinfo');
}

/** The folder of the git repos a node follows when nothing names one: the original's ~/gitrepo. */
export function defaultRepoDir(user: UserContext): string {
  return user.isRoot ? '/root/gitrepo' : join(user.homedir, 'gitrepo');
}
