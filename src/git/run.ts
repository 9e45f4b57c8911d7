import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { redactSecrets } from '../core/secrets';
import { formatTimeout } from '../core/time';
import { ownProcessTag } from '../sys/pid';
import { runProcess } from '../sys/process';
import { plainAuthFailure } from './credentials';

/**
 * Runs the system git (it brings the user's ssh keys, credential helpers and
 * proxies) with no shell, a bounded time, and an environment that cannot be
 * steered by whatever ran nodegrid (a git hook exporting GIT_DIR, a CI job's
 * GIT_AUTHOR_NAME). Every message it produces is redacted before it leaves here.
 */
export interface GitOptions {
  /** The repository (a bare clone); git runs with --git-dir. */
  readonly gitDir?: string | undefined;
  readonly input?: string | Buffer | undefined;
  /** Killed (with its ssh/https helpers) after this long. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Extra variables: the temporary index, author and committer. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Strings never to show in an error (the remote URL, its password). */
  readonly secrets?: readonly string[] | undefined;
}

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  /** The same bytes, for binary-safe readers (cat-file --batch). */
  readonly stdoutBuffer: Buffer;
  readonly stderr: string;
}

export class GitError extends Error {
  constructor(
    message: string,
    /** git's exit code, or null when it was killed or could not start. */
    readonly exitCode: number | null,
    /** git's stderr, redacted. */
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** Variables passed through from the caller: what git needs to reach a remote the way the user set it up. */
const PASSED_THROUGH = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'XDG_CONFIG_HOME',
  'SSH_AUTH_SOCK', 'SSH_AGENT_PID', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_SSL_CAINFO', 'GIT_SSL_NO_VERIFY',
  'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'all_proxy',
];

export function gitEnvironment(extra: Readonly<Record<string, string>> = {}, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = from[key];
    if (value !== undefined) env[key] = value;
  }
  // Never wait for a password or a host-key question: nodegrid runs unattended.
  env.GIT_TERMINAL_PROMPT = '0';
  if (!('GIT_SSH_COMMAND' in env)) env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  // Messages are parsed (rejection reasons), so they must not be translated.
  env.LC_ALL = 'C';
  env.LANG = 'C';
  env[GIT_OWNER_VARIABLE] = ownProcessTag();
  return { ...env, ...extra };
}

/**
 * Every git we start carries its starter's pid and start time, so a clone's
 * next user can tell the gits of a SIGKILLed nodegrid (the owner is gone) from
 * those of a reader still running (the owner is alive: never touch them).
 */
export const GIT_OWNER_VARIABLE = 'NODEGRID_GIT_OWNER';

const OUTPUT_LIMIT = 64 * 1024 * 1024;

/** git's own argv before the command: the settings every nodegrid git runs with. */
function gitArgv(args: readonly string[], gitDir: string | undefined): string[] {
  return [
    // Keep the user's config for remotes (credential helpers, url.insteadOf) but not
    // their hooks, signing or pagers: presence commits are made by plumbing only.
    '-c', 'core.hooksPath=/dev/null',
    '-c', 'advice.pushUpdateRejected=false',
    '-c', 'gc.autoDetach=false',
    ...(gitDir ? ['--git-dir', gitDir] : []),
    ...args,
  ];
}

/**
 * A long-lived git (cat-file --batch) with the same settings and environment
 * as runGit, in its own process group; the caller ends it with stopProcessGroup() (sys/process.ts).
 */
export function spawnGit(args: readonly string[], options: Pick<GitOptions, 'gitDir' | 'env'>): ChildProcessWithoutNullStreams {
  return spawn('git', gitArgv(args, options.gitDir), { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: gitEnvironment(options.env) });
}

export async function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const redact = (text: string): string => redactSecrets(text, options.secrets ?? []);
  const what = `git ${args.find((arg) => !arg.startsWith('-')) ?? ''}`.trim();
  if (options.signal?.aborted) throw new GitError(`${what} not started: the delivery deadline passed`, null, '', true);
  const result = await runProcess({
    command: 'git',
    args: gitArgv(args, options.gitDir),
    env: gitEnvironment(options.env),
    input: options.input,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    maxBytes: OUTPUT_LIMIT,
  });
  if (result.startError !== undefined) throw new GitError(`could not run git (is it installed and on PATH?): ${redact(result.startError)}`, null, '', false);
  const err = redact(result.stderr.toString('utf8'));
  if (result.timedOut) throw new GitError(`${what} timed out after ${formatTimeout(options.timeoutMs)}`, null, err, true);
  return { code: result.code ?? 1, stdout: result.stdout.toString('utf8'), stdoutBuffer: result.stdout, stderr: err };
}

/**
 * Two gits, the second only when the first succeeded, started by one /bin/sh:
 * Node's spawn costs several milliseconds a process (it waits while the whole
 * runtime forks and the child execs), a shell's fork is cheap, and a beat runs
 * two gits per repo every minute. Each argv is quoted for the shell, so no
 * argument is ever read as shell syntax. The first's stdout is kept apart by
 * a marker line printed only when it succeeded; the two share one stderr.
 */
export async function runGitThen(first: readonly string[], then: readonly string[], options: GitOptions): Promise<{ first: GitResult; then: GitResult | undefined }> {
  const redact = (text: string): string => redactSecrets(text, options.secrets ?? []);
  const what = `git ${first.find((arg) => !arg.startsWith('-')) ?? ''}`.trim();
  if (options.signal?.aborted) throw new GitError(`${what} not started: the delivery deadline passed`, null, '', true);
  const command = (args: readonly string[]): string => ['git', ...gitArgv(args, options.gitDir)].map(shellQuote).join(' ');
  const result = await runProcess({
    command: '/bin/sh',
    args: ['-c', `${command(first)} || exit; printf '%s\\n' '${THEN_MARKER}'; exec ${command(then)}`],
    env: gitEnvironment(options.env),
    input: options.input,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    maxBytes: OUTPUT_LIMIT,
  });
  if (result.startError !== undefined) throw new GitError(`could not run git through /bin/sh: ${redact(result.startError)}`, null, '', false);
  const err = redact(result.stderr.toString('utf8'));
  if (result.timedOut) throw new GitError(`${what} timed out after ${formatTimeout(options.timeoutMs)}`, null, err, true);
  const code = result.code ?? 1;
  const marker = result.stdout.indexOf(`${THEN_MARKER}\n`);
  if (marker === -1) return { first: { code: code === 0 ? 1 : code, stdout: result.stdout.toString('utf8'), stdoutBuffer: result.stdout, stderr: err }, then: undefined };
  const before = result.stdout.subarray(0, marker);
  const after = result.stdout.subarray(marker + THEN_MARKER.length + 1);
  return {
    first: { code: 0, stdout: before.toString('utf8'), stdoutBuffer: before, stderr: '' },
    then: { code, stdout: after.toString('utf8'), stdoutBuffer: after, stderr: err },
  };
}

const THEN_MARKER = '--nodegrid: the first git succeeded--';

/** One word for /bin/sh: single-quoted, a quote inside closed, escaped and reopened. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Like runGit, but a non-zero exit is an error naming git's own last words. */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) {
    const what = `git ${args.find((arg) => !arg.startsWith('-')) ?? ''}`.trim();
    throw new GitError(`${what} failed (exit ${result.code}): ${lastWords(result.stderr) || 'no message'}`, result.code, result.stderr, false);
  }
  return result.stdout;
}

const TELLING = /^(fatal|error|remote|ssh):/;
/** The lines that say why a connection failed, whatever prefix git or ssh gave them. */
const REASON = /errno=|permission denied|host key verification failed|could not resolve|connection (refused|timed out|reset|closed)/i;

/**
 * git's most telling lines: "fatal:"/"error:"/"remote:"/"ssh:" lines and the
 * reasons beside them, else the last line. A telling line ending in ":" goes on
 * on the next line ("fatal: unable to connect to 127.0.0.1:" is followed by
 * "127.0.0.1[0: 127.0.0.1]: errno=Connection refused"), which is joined to it.
 */
export function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => plainAuthFailure(line.trim()))
    .filter((line) => line !== '' && !line.startsWith('hint:'));
  const telling: string[] = [];
  let continues = false;
  for (const line of lines) {
    if (continues && !TELLING.test(line)) telling.push(`${telling.pop() ?? ''} ${line}`);
    else if (TELLING.test(line) || REASON.test(line)) telling.push(line);
    else {
      continues = false;
      continue;
    }
    continues = TELLING.test(line) && line.endsWith(':');
  }
  return (telling.length > 0 ? telling : lines.slice(-1)).join('; ').slice(0, 600);
}
