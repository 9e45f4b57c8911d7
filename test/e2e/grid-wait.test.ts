import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin, type CliResult, type TestNode } from '../helpers/cli';
import { createBareRepo, freePort, useGitDaemon } from '../helpers/git-server';
import { presenceNode } from '../helpers/presence';

/**
 * `nodegrid wait` as a boot script runs it: a real process reading a real
 * presence remote (git daemon on 127.0.0.1) while other nodes change state
 * and deliver. Bounds are generous (a loaded 2-core box): the tests assert
 * what happened, not how fast.
 */
const grid = useGitDaemon<TestNode>();
/** Far longer than any wait here should take once its condition holds; a hang shows as a failure, not a timeout of the suite. */
const SETTLE_MS = 45_000;

let observer: TestNode;
let folder: string;
beforeAll(() => {
  observer = makeTestNode('nodegrid-wait-');
  // A presence folder with no node in it: nothing any wait below asks for can hold.
  folder = path.join(observer.root, 'presence');
  fs.mkdirSync(path.join(folder, 'it', 'presence', 'all'), { recursive: true });
});
afterAll(() => fs.rmSync(observer.root, { recursive: true, force: true }));

interface Waiting {
  readonly stderr: () => string;
  /** Resolves once stderr holds `text`; rejects if the process ends first or SETTLE_MS passes. */
  until(text: string): Promise<void>;
  signal(name: NodeJS.Signals): void;
  readonly done: Promise<CliResult>;
}

function startWait(args: readonly string[]): Waiting {
  const child = spawn(process.execPath, [nodegridBin(), 'wait', ...args], { env: { ...cleanEnv(), ...observer.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const check of [...watchers]) check();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      for (const check of [...watchers]) check();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    stderr: () => stderr,
    done,
    signal: (name) => child.kill(name),
    until: (text) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} on stderr within ${SETTLE_MS} ms:\n${stderr}`)), SETTLE_MS);
        const check = (): void => {
          if (stderr.includes(text)) {
            clearTimeout(timer);
            watchers.splice(watchers.indexOf(check), 1);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            watchers.splice(watchers.indexOf(check), 1);
            reject(new Error(`the wait ended (${child.exitCode ?? child.signalCode}) before ${JSON.stringify(text)} appeared:\n${stderr}`));
          }
        };
        watchers.push(check);
        check();
      }),
  };
}

/** The process's outcome, or a failure naming what it said if it has not ended within SETTLE_MS. */
async function outcome(waiting: Waiting): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the wait did not end within ${SETTLE_MS} ms:\n${waiting.stderr()}`)), SETTLE_MS);
  });
  try {
    return await Promise.race([waiting.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function node(repo: string, id: string): Promise<TestNode> {
  return grid.track(await presenceNode(grid.daemon().url(repo), id));
}

async function set(n: TestNode, state: string): Promise<void> {
  const r = await n.run(['state', 'set', state]);
  expect(r.code, r.stderr).toBe(0);
}

const count = (text: string, line: string): number => text.split('\n').filter((l) => l.includes(line)).length;

describe('nodegrid wait against a presence remote', () => {
  it('waits through a remote nobody has published to, then returns 0 with both ids once the second db1 node of fed1 reaches initdone', async () => {
    createBareRepo(grid.repos(), 'boot.git');
    const url = grid.daemon().url('boot.git');
    const waiting = startWait(['--remote', url, '--state', 'initdone', '--deployment', 'fed1', '--nodepart', 'db1', '--count', '2', '--interval', '1s', '--timeout', '5m']);
    // An empty repository has no branch yet: a warning and another try, not the end.
    await waiting.until('warning: reading presence failed; trying again in 1 s');

    const a = await node('boot.git', 'i-db-a');
    await set(a, 'setup');
    await set(a, 'initdone');
    const b = await node('boot.git', 'i-db-b');
    await set(b, 'setup');
    await waiting.until('waiting for 2 db1 nodes of fed1 in initdone: 1 so far');
    // Reads continue every second meanwhile; nothing is said again until something changes.
    await set(b, 'initdone');

    const r = await outcome(waiting);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['i-db-a', 'i-db-b']);
    expect(r.stderr).toMatch(/^2 db1 nodes of fed1 in initdone: holds after \d/m);
    expect(count(r.stderr, 'waiting for 2 db1 nodes of fed1 in initdone: 1 so far')).toBe(1);
    expect(count(r.stderr, 'has no branch main')).toBe(1);
  });

  it('with --id and --json: prints that node once it is running, counting a node that published but has not beaten yet (new)', async () => {
    createBareRepo(grid.repos(), 'one.git');
    const c = await node('one.git', 'i-app-c');
    await set(c, 'setup');
    const waiting = startWait(['--remote', grid.daemon().url('one.git'), '--state', 'running', '--id', 'i-app-c', '--json', '--interval', '1s', '--timeout', '5m']);
    await waiting.until('waiting for i-app-c in running: it is setup (new)');
    await set(c, 'initdone');
    await set(c, 'running');

    const r = await outcome(waiting);
    expect(r.code, r.stderr).toBe(0);
    const nodes = JSON.parse(r.stdout) as Array<{ id: string; state: string; health: string; deployment: string; nodepart: string }>;
    expect(nodes).toEqual([expect.objectContaining({ id: 'i-app-c', state: 'running', health: 'new', deployment: 'fed1', nodepart: 'db1' })]);
  });

  it('exits 3 when --timeout passes first, saying how far it got, with nothing on stdout', async () => {
    createBareRepo(grid.repos(), 'slow.git');
    const d = await node('slow.git', 'i-db-d');
    await set(d, 'setup');
    const r = await outcome(startWait(['--remote', grid.daemon().url('slow.git'), '--state', 'initdone', '--nodepart', 'db1', '--interval', '1s', '--timeout', '2s']));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: timed out after 2 s waiting for 1 db1 node in initdone: 0 so far');
  });

  it('exits 69 when presence could not be read once before the timeout, and a hung remote does not hold it for presence.gitTimeoutSeconds', async () => {
    const refused = await freePort();
    const gone = await outcome(startWait(['--remote', `git://127.0.0.1:${refused}/none.git`, '--state', 'initdone', '--nodepart', 'db1', '--interval', '1s', '--timeout', '2s']));
    expect(gone.code, gone.stderr).toBe(69);
    expect(gone.stderr).toContain('warning: reading presence failed');
    expect(gone.stderr).toContain('error: timed out after 2 s waiting for 1 db1 node in initdone: presence could not be read');

    // Accepts connections and never answers: the fetch gets what is left of the wait, not the default 60 s.
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const hung = await outcome(startWait(['--remote', `git://127.0.0.1:${(silent.address() as net.AddressInfo).port}/grid.git`, '--state', 'initdone', '--nodepart', 'db1', '--timeout', '2s']));
      expect(hung.code, hung.stderr).toBe(69);
      expect(Date.now() - started).toBeLessThan(40_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('nodegrid wait, stopped and refused', () => {
  it('ends with 130 on Ctrl-C and 143 on SIGTERM, naming what it was waiting for', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const waiting = startWait(['--presence', folder, '--state', 'initdone', '--deployment', 'fed1', '--nodepart', 'db1', '--interval', '1m', '--timeout', '1h']);
      await waiting.until('waiting for 1 db1 node of fed1 in initdone: 0 so far');
      waiting.signal(signal);
      const r = await outcome(waiting);
      expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code, signal: null });
      expect(r.stderr).toContain(`error: stopped by ${signal} while waiting for 1 db1 node of fed1 in initdone: 0 so far`);
      expect(r.stdout).toBe('');
    }
  });

  it('refuses bad input with exit 2 before waiting at all', async () => {
    const cases: Array<[string[], string]> = [
      [['--state', 'initdon', '--nodepart', 'db1'], '--state names unknown state "initdon"; known states are presetup, setup, initdone'],
      [['--state', 'initdone', '--id', 'i-1', '--deployment', 'fed1'], 'give --id ID, or --deployment/--nodepart/--stacktype/-l, not both'],
      [['--state', 'initdone', '--id', 'i-1', '--count', '2'], '--count goes with --deployment/--nodepart/--stacktype/-l, not --id'],
      [['--state', 'initdone'], 'say what to wait for: --id ID, or --deployment D and/or --nodepart P'],
      [['--state', 'initdone', '--nodepart', 'db1', '--timeout', '10 minutes'], '--timeout "10 minutes" is not a duration'],
      [['--state', 'initdone', '--nodepart', 'db1', '--interval', '0s'], '--interval "0s" is not a duration of at least 1 s'],
      [['--state', 'initdone', '--nodepart', 'db1', '--count', 'two'], '--count must be a whole number of at least 1, got "two"'],
      [['--state', 'initdone', '--id', '../etc'], '--id "../etc" is not valid'],
      [['--id', 'i-1'], "required option '--state <states>' not specified"],
    ];
    for (const [args, message] of cases) {
      // An hour's timeout and a minute between reads: one that waited would be killed by runCli's 30 s, not exit 2.
      const r = await observer.run(['wait', '--presence', folder, '--interval', '1m', '--timeout', '1h', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('waiting for');
      expect(r.stdout).toBe('');
    }
    const noFolder = await observer.run(['wait', '--presence', path.join(observer.root, 'nope'), '--state', 'initdone', '--nodepart', 'db1', '--timeout', '1h']);
    expect(noFolder.code, noFolder.stderr).toBe(2);
    expect(noFolder.stderr).toContain('holds no it/presence/ folder');
  });
});
