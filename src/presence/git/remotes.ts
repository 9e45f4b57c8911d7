import path from 'node:path';
import type { PresenceConfig } from '../../config/sections/presence';
import { redactUrlCredentials, urlCredentialSecrets } from '../../core/secrets';
import { remoteAccess } from '../../git/credentials';

/**
 * The presence remotes the config asks for, each with a stable, readable sink
 * name ("presence:origin", "presence:github.com-acme-grid-presence") that never
 * contains credentials, and the strings that must never be printed.
 */
export interface PresenceRemote {
  /** The name after "presence:" (queue folder, clone folder). */
  readonly name: string;
  /**
   * What git gets on its command line: the configured URL with the user and
   * password of an http(s) URL taken out, so `ps` never shows them.
   */
  readonly url: string;
  /** Variables for git's environment that carry those credentials (see git/credentials.ts); {} when there are none. */
  readonly gitEnv: Readonly<Record<string, string>>;
  /** For messages: credentials replaced by ****. */
  readonly shownUrl: string;
  /** The URL, its password and the header made of them, for redaction everywhere. */
  readonly secrets: readonly string[];
}

/** One remote from its configured URL, possibly holding credentials. */
export function presenceRemote(name: string, configuredUrl: string): PresenceRemote {
  const access = remoteAccess(configuredUrl);
  return {
    name,
    url: access.argvUrl,
    gitEnv: access.env,
    shownUrl: redactUrlCredentials(configuredUrl),
    secrets: [...new Set([...urlCredentialSecrets(configuredUrl), ...access.secrets])],
  };
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
    return presenceRemote(unique, url);
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
