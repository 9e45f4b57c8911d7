import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const examplesDir = path.resolve(import.meta.dirname, '../../examples');

export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

/**
 * examples/config-repo as a remote: a bare repository `<dir>/<name>.git` holding
 * one commit of the example, and the author's clone to publish changes from.
 */
export function configRepoRemote(dir: string, name: string): { bare: string; author: string; publish(message: string): void } {
  fs.mkdirSync(dir, { recursive: true });
  const bare = path.join(dir, `${name}.git`);
  const author = path.join(dir, `${name}-author`);
  git(dir, 'init', '--bare', '-q', bare);
  git(dir, 'init', '-q', author);
  git(author, 'remote', 'add', 'origin', bare);
  fs.cpSync(path.join(examplesDir, 'config-repo'), author, { recursive: true });
  const publish = (message: string): void => {
    git(author, 'add', '-A');
    git(author, 'commit', '-q', '-m', message);
    git(author, 'push', '-q', 'origin', 'HEAD:main');
  };
  publish('examples/config-repo');
  return { bare, author, publish };
}
