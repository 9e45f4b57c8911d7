import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv } from './cli';

/**
 * `npm run demo` as a test runs it: a process group of its own (so one signal
 * reaches the demo and everything it started) and a temporary folder of its own
 * (TMPDIR, so the demo's work folder is inside it). Whatever way a test ends —
 * passed, failed, timed out — endDemoRuns() kills every group started and
 * removes every folder.
 */
export interface DemoRun {
  readonly pid: number;
  /** TMPDIR of the run: the demo's work folder is made inside it. */
  readonly scratch: string;
  /** What it printed so far, stdout and stderr interleaved as they came. */
  output(): string;
  /** Resolves at the first output line matching, or rejects if the demo ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Sends a signal to the whole group, as a terminal's Ctrl-C does. */
  signal(signal: NodeJS.Signals): void;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Array<{ run: DemoRun; child: ChildProcess }> = [];

export interface DemoRunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** The folder to use as TMPDIR; one is made when not given. Removed by endDemoRuns() either way. */
  readonly scratch?: string;
}

export function startDemoRun(command: string, args: readonly string[], options: DemoRunOptions = {}): DemoRun {
  const scratch = options.scratch ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-demo-test-'));
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: { ...cleanEnv(), ...options.env, TMPDIR: scratch },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const run: DemoRun = {
    pid: child.pid!,
    scratch,
    output: () => output,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(output)) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
        void ended.then(() => reject(new Error(`the demo ended before printing ${String(pattern)}:\n${output}`)));
      }),
    signal: (signal) => signalGroup(child.pid!, signal),
    ended,
  };
  started.push({ run, child });
  return run;
}

/** Ends every demo started (its whole group, and what nodegrid started in groups of their own) and removes their folders. */
export async function endDemoRuns(): Promise<void> {
  await Promise.all(
    started.splice(0).map(async ({ run, child }) => {
      signalGroup(run.pid, 'SIGKILL');
      // nodegrid runs git in process groups of its own: whatever still runs in the folder goes too.
      for (const entry of processesUnder(run.scratch)) signalProcess(Number(entry.split(' ')[0]), 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await Promise.race([run.ended, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      fs.rmSync(run.scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }),
  );
}

/** Processes (not zombies) whose command line mentions a folder: what a demo might have left running. */
export function processesUnder(dir: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
        return !zombie && cmdline.includes(dir) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

/**
 * One busy loop per core, for as long as the caller keeps them: the machine as
 * loaded as a shared CI host. Each also ends itself when the test process is gone
 * (its parent changes) or after 15 minutes, so a crashed run cannot leave them spinning.
 */
export function startCpuLoad(cores = os.availableParallelism()): { stop(): Promise<void> } {
  const spin = 'const parent = process.ppid, end = Date.now() + 900_000; for (let i = 0; ; i++) if (i % 1e6 === 0 && (process.ppid !== parent || Date.now() > end)) process.exit(0);';
  const loops = Array.from({ length: cores }, () => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
  return {
    stop: async () => {
      await Promise.all(
        loops.map(
          (loop) =>
            new Promise<void>((resolve) => {
              if (loop.exitCode !== null || loop.signalCode !== null) return resolve();
              loop.on('close', () => resolve());
              loop.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  signalProcess(-pid, signal);
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}
