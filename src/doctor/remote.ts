import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import { lastWords, runGit, type GitOptions } from '../git/run';
import { classifyGitFailure } from '../presence/git/failures';
import type { PresenceRemote } from '../presence/git/remotes';
import { ok, problem, type CheckResult } from './check';

/**
 * Reachability and write access of a presence remote, proven without
 * changing anything on it. The credentials travel as the sink's own git runs
 * carry them (remote.gitEnv, never argv), and every message is redacted with
 * the remote's secrets.
 */
export interface RemoteCheckOptions {
  readonly branch: string;
  readonly timeoutMs: number;
}

function gitOptions(remote: PresenceRemote, timeoutMs: number, gitDir?: string): GitOptions {
  return { gitDir, timeoutMs, secrets: remote.secrets, env: remote.gitEnv };
}

/** `git ls-remote` of the branch: the server answers upload-pack for this node. */
export async function checkReachable(sink: string, remote: PresenceRemote, options: RemoteCheckOptions): Promise<CheckResult> {
  const name = `reach ${sink}`;
  try {
    const result = await runGit(['ls-remote', '--', remote.url, `refs/heads/${options.branch}`], gitOptions(remote, options.timeoutMs));
    if (result.code !== 0) {
      const failure = classifyGitFailure('ls-remote of', remote.shownUrl, result.stderr);
      return problem(name, failure.message, failure.kind === 'refused' ? 'check the URL and this node\'s credentials for it' : 'check the network path to the git host (DNS, firewall, proxy) and that the server is up');
    }
    const tip = result.stdout.split('\t')[0]?.trim();
    return ok(name, `${remote.shownUrl} answers; branch ${options.branch} ${tip ? `at ${tip.slice(0, 12)}` : 'not created yet (the first delivery creates it)'}`);
  } catch (error) {
    return problem(name, `ls-remote of ${remote.shownUrl}: ${errorMessage(error)}`, 'check the network path to the git host and presence.gitTimeoutSeconds');
  }
}

/**
 * Write access, proven without writing: `git push --dry-run` of a refspec
 * that matches nothing (refs/nodegrid-doctor/*) connects to the server's
 * receive-pack, which is where git daemon, GitHub, GitLab and Gitea decide
 * whether this node may push (ssh keys, tokens, read-only deploy keys, a
 * daemon without receive-pack), reads its ref advertisement, and sends no
 * command and no object. What it cannot see is a pre-receive hook or branch
 * protection, which run only on a real push: the outbox's record of refused
 * deliveries (`refusals`) answers that part.
 */
export async function checkWriteAccess(
  sink: string,
  remote: PresenceRemote,
  options: RemoteCheckOptions & { readonly refusals: { readonly count: number; readonly lastError: string | undefined } },
): Promise<CheckResult> {
  const name = `write ${sink}`;
  // Any repository will do for a push of nothing; an empty one keeps the sink's clone untouched.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-doctor-'));
  try {
    const init = await runGit(['init', '--bare', '--quiet', scratch], { timeoutMs: options.timeoutMs });
    if (init.code !== 0) return problem(name, `could not prepare the check: ${lastWords(init.stderr)}`, 'check that git works and TMPDIR is writable');
    const result = await runGit(['push', '--dry-run', '--porcelain', '--', remote.url, 'refs/nodegrid-doctor/*:refs/nodegrid-doctor/*'], gitOptions(remote, options.timeoutMs, scratch));
    if (result.code !== 0) {
      const reason = lastWords(result.stderr) || `git push --dry-run exited ${result.code}`;
      return problem(name, `${remote.shownUrl} does not let this node push: ${reason}`, 'give this node write access (a deploy key with write, a token with push rights, git daemon --enable=receive-pack)');
    }
  } catch (error) {
    return problem(name, `push --dry-run to ${remote.shownUrl}: ${errorMessage(error)}`, 'check the network path to the git host and presence.gitTimeoutSeconds');
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (options.refusals.count > 0) {
    return problem(
      name,
      `${remote.shownUrl} accepts the connection for a push, but refused the last ${options.refusals.count === 1 ? 'delivery' : `${options.refusals.count} deliveries`}: ${options.refusals.lastError ?? 'no reason recorded'}`,
      'fix the server side (its pre-receive hook, branch protection, quota); the events stay queued and go out on their own once it accepts',
    );
  }
  return ok(name, `${remote.shownUrl} accepts pushes from this node (receive-pack answered a dry run; nothing was sent)`);
}
