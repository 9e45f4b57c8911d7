import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';

/**
 * Reads every process's /proc/PID/cmdline over and over, as `ps` would (any
 * user may), and collects the command lines holding `secret` and those naming
 * `watched` (the remote's host:port, so a test can show it saw git at work).
 * The sweeps run in a worker thread, so the test's own servers (the git
 * http-backend server lives in the test process) are not slowed by them.
 */
export interface CmdlineWatch {
  /** Command lines seen holding the secret, except those `ignore` accepts. */
  readonly leaks: ReadonlySet<string>;
  /** Command lines seen naming the watched string. */
  readonly watched: ReadonlySet<string>;
  /** Shows the watch catches a short-lived process with the secret in its argv (so it cannot pass vacuously); forgets it after. */
  proveItSees(): Promise<void>;
  stop(): Promise<void>;
}

const SWEEPER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { secret, watched, pauseMs } = workerData;
const reported = new Set();
const pause = new Int32Array(new SharedArrayBuffer(4));
let stopping = false;
parentPort.on('message', () => { stopping = true; });
function sweep() {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let raw;
    try { raw = fs.readFileSync('/proc/' + entry + '/cmdline', 'latin1'); } catch { continue; }
    if (raw === '') continue;
    const argv = raw.split('\\0').filter((arg) => arg !== '');
    const line = argv.join(' ');
    for (const [kind, needle] of [['leak', secret], ['watched', watched]]) {
      if (line.includes(needle) && !reported.has(kind + line)) {
        reported.add(kind + line);
        parentPort.postMessage({ kind, argv });
      }
    }
  }
}
(function loop() {
  sweep();
  Atomics.wait(pause, 0, 0, pauseMs);
  // Let the "stop" message in between sweeps.
  if (stopping) parentPort.postMessage({ kind: 'stopped' });
  else setImmediate(loop);
})();
`;

export function watchCommandLines(secret: string, watched: string, ignore: (argv: readonly string[]) => boolean = () => false): CmdlineWatch {
  const leaks = new Set<string>();
  const seen = new Set<string>();
  const CONTROL = 'nodegrid-cmdline-watch-control';
  let onMessage: (() => void) | undefined;
  const worker = new Worker(SWEEPER, { eval: true, workerData: { secret, watched, pauseMs: 3 } });
  const stopped = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { kind: string; argv?: string[] }) => {
      if (message.kind === 'stopped') {
        resolve();
        return;
      }
      const line = message.argv!.join(' ');
      if (message.kind === 'leak' && !ignore(message.argv!)) leaks.add(line);
      if (message.kind === 'watched') seen.add(line);
      onMessage?.();
    });
    worker.on('error', reject);
  });
  return {
    leaks,
    watched: seen,
    async proveItSees() {
      // "; :" keeps sh from exec-ing sleep in its place; its own group, so the kill ends both.
      const child = spawn('sh', ['-c', 'sleep 30; :', CONTROL, secret], { stdio: 'ignore', detached: true });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the command-line watch never saw a process with the secret in its argv')), 20_000);
          onMessage = () => {
            if ([...leaks].some((line) => line.includes(CONTROL))) {
              clearTimeout(timer);
              resolve();
            }
          };
          onMessage();
        });
      } finally {
        onMessage = undefined;
        process.kill(-child.pid!, 'SIGKILL');
      }
      for (const line of [...leaks]) if (line.includes(CONTROL)) leaks.delete(line);
    },
    async stop() {
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}
