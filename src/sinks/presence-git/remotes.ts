import path from 'node:path';
import type { PresenceConfig } from '../../config/sections/presence';
import { redactUrlCredentials, urlCredentialSecrets } from '../../core/secrets';

/**
 * The presence remotes the config asks for, each with a stable, readable sink
 * name ("presence:origin", "presence:github.com-acme-grid-presence") that never
 * contains credentials, and the strings that must never be printed.
 */
export interface PresenceRemote {
  /** The name after "presence:" (queue folder, clone folder). */
  readonly name: string;
  /** As configured, possibly with credentials: only ever handed to git. */
  readonly url: string;
  /** For messages: credentials replaced by ****. */
  readonly shownUrl: string;
  /** The URL and its password, for redaction everywhere. */
  readonly secrets: readonly string[];
}

/** The sink's own bare clone: $NODEGRID_HOME/clones/presence-<name>.git. */
export function cloneDirFor(homeDir: string, remoteName: string): string {
  return path.join(homeDir, 'clones', `presence-${remoteName}.git`);
}

export function presenceRemotes(config: PresenceConfig): PresenceRemote[] {
  const wanted: Array<{ name: string; url: string }> = [];
  if (config.remote !== undefined) wanted.push({ name: 'origin', url: config.remote });
  for (const entry of config.remotes ?? []) {
    wanted.push(typeof entry === 'string' ? { name: labelForUrl(entry), url: entry } : entry);
  }
  const taken = new Set<string>();
  return wanted.map(({ name, url }) => {
    let unique = name;
    for (let n = 2; taken.has(unique); n++) unique = `${name.slice(0, 60)}-${n}`;
    taken.add(unique);
    return { name: unique, url, shownUrl: redactUrlCredentials(url), secrets: urlCredentialSecrets(url) };
  });
}

/**
 * "git@github.com:acme/grid-presence.git" -> "github.com-acme-grid-presence";
 * "https://user:tok@host:8443/x.git" -> "host-8443-x"; "/srv/git/p.git" -> "srv-git-p".
 */
export function labelForUrl(url: string): string {
  const withoutScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const withoutUser = withoutScheme.replace(/^[^/@]*@/, '');
  const label = withoutUser
    .replace(/\.git\/?$/, '')
    .replace(/[^A-Za-z0-9._]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(-64)
    .replace(/^[-.]+/, '');
  return label === '' ? 'remote' : label;
}
