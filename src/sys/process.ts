import type { ChildProcess } from 'node:child_process';

/**
 * Every process nodegrid starts (git, work scripts, exec sinks) runs through
 * here: no shell unless asked for, its own process group (so a timeout also
 * ends what it started: ssh, git-remote-https, a script's children), a bounded
 * time, bounded memory for its output, and an ending that lets it clean up:
 * SIGTERM first (git removes its lock files on SIGTERM), SIGKILL after a grace.
 */
export interface ProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  /** The whole environment of the process: callers decide what passes through. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly input?: string | Buffer | undefined;
  /** Stopped (with its group) after this long. */
  readonly timeoutMs: number;
  /** Stopped like a timeout when this aborts. */
  readonly signal?: AbortSignal | undefined;
  /** Bytes of each stream kept in the result; the rest is still read (and given to onOutput) but dropped. Default 64 MiB. */
  readonly maxBytes?: number | undefined;
  readonly onOutput?: ((chunk: Buffer, stream: 'stdout' | 'stderr') => void) | undefined;
  /**
   * When set, stop waiting for the output pipes this long after the process
   * itself exited: a service a script started in the background may hold them
   * for good. Left running; only our reading stops.
   */
  readonly pipeGraceMs?: number | undefined;
}

export interface ProcessResult {
  /** The exit code, or null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** It was stopped because its time ran out or the caller aborted. */
  readonly timedOut: boolean;
  /** Why it could not be started (ENOENT, EACCES), if it could not. */
  readonly startError?: string | undefined;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** How long a process gets after SIGTERM to clean up (git: its lock files) before SIGKILL. */
export const TERM_GRACE_MS = 1500;

export async function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Loaded here, not at the top: child_process (with net and streams behind it)
  // is some 10 ms of a start, and `state set` never starts a process.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: true });
      return;
    }
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops what it started.
      detached: true,
    });
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const sizes = { stdout: 0, stderr: 0 };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer): void => {
      options.onOutput?.(chunk, stream);
      if (sizes[stream] + chunk.length <= maxBytes) kept[stream].push(chunk);
      sizes[stream] += chunk.length;
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    child.stdin.on('error', () => {
      /* it may exit before reading its input */
    });

    let timedOut = false;
    let exited = false;
    const stop = (): void => {
      if (timedOut) return;
      timedOut = true;
      stopProcessGroup(child, () => exited);
    };
    const timer = setTimeout(stop, Math.max(1, options.timeoutMs));
    options.signal?.addEventListener('abort', stop, { once: true });

    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, startError?: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal, stdout: Buffer.concat(kept.stdout), stderr: Buffer.concat(kept.stderr), timedOut, startError });
    };
    child.on('error', (error) => {
      exited = true;
      finish(null, null, error.message);
    });
    child.on('exit', (code, signal) => {
      exited = true;
      if (options.pipeGraceMs !== undefined) setTimeout(() => finish(code, signal), options.pipeGraceMs);
    });
    child.on('close', (code, signal) => finish(code, signal));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Ends a process and its group: SIGTERM, then SIGKILL after the grace unless
 * it has exited by then. Also for long-lived children started elsewhere
 * (git cat-file --batch).
 */
export function stopProcessGroup(child: Pick<ChildProcess, 'pid'>, hasExited: () => boolean = () => false, graceMs = TERM_GRACE_MS): void {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited()) signalGroup(pid, 'SIGKILL');
  }, graceMs);
  timer.unref();
}

/** Sends a signal to a process group (children nodegrid starts lead their own). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}
