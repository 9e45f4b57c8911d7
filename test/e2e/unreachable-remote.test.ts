import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type CliResult, type TestNode } from '../helpers/cli';
import { createBareRepo, freePort, makeRepoRoot, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { request, startServe } from '../helpers/serve';

/**
 * Every way a presence remote can be out of reach, for the readers: one exit
 * code (69), the URL with credentials hidden, git's own reason, and a hung
 * remote bounded by presence.gitTimeoutSeconds (2 s here; the default is 60).
 */
const PASSWORD = 'pw-0f-the-grid-2718';
const TIMEOUT_SECONDS = 2;
/** Far under the 61 s an unbounded fetch took, far over 2 s plus a slow start under load. */
const BOUND_MS = 30_000;

const repos = makeRepoRoot('nodegrid-unreachable-');
let silent: net.Server;
const held = new Set<net.Socket>();
let silentPort: number;
let refusedPort: number;
let http: GitServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  // Accepts every connection and never says a word: a remote that hangs.
  silent = net.createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  refusedPort = await freePort();
  createBareRepo(repos.dir, 'grid.git');
  http = await startGitHttpServer(repos.dir, { user: 'grid', password: PASSWORD });
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await http.stop();
  repos.remove();
  for (const node of nodes) fs.rmSync(node.root, { recursive: true, force: true });
});

interface Kind {
  readonly kind: string;
  readonly url: () => string;
  /** How the message names it: credentials hidden. */
  readonly shown: () => string;
  /** git's reason, or ours for a remote that never answers. */
  readonly reason: RegExp;
}

const KINDS: Kind[] = [
  { kind: 'connection refused', url: () => `git://127.0.0.1:${refusedPort}/grid.git`, shown: () => `git://127.0.0.1:${refusedPort}/grid.git`, reason: /unable to connect to 127\.0\.0\.1: .*errno=Connection refused/ },
  { kind: 'hung', url: () => `git://127.0.0.1:${silentPort}/grid.git`, shown: () => `git://127.0.0.1:${silentPort}/grid.git`, reason: new RegExp(`no answer within ${TIMEOUT_SECONDS} s`) },
  { kind: 'unknown host', url: () => 'git://nodegrid-test.invalid/grid.git', shown: () => 'git://nodegrid-test.invalid/grid.git', reason: /unable to look up nodegrid-test\.invalid/ },
  {
    kind: 'authentication failed',
    url: () => http.url('grid.git').replace(PASSWORD, `${PASSWORD}-wrong`),
    shown: () => `http://****@127.0.0.1:${http.port}/grid.git`,
    reason: /Authentication failed for/,
  },
];

async function nodeFor(url: string): Promise<TestNode> {
  const node = makeTestNode('nodegrid-unreachable-node-');
  nodes.push(node);
  node.writeConfig({ presence: { remote: url, gitTimeoutSeconds: TIMEOUT_SECONDS } });
  expect((await node.run(['init', '--id', 'i-0ff11e00', '--deployment', 'fed1', '--nodepart', 'app1'])).code).toBe(0);
  return node;
}

async function timed(run: Promise<CliResult>): Promise<CliResult & { ms: number }> {
  const t0 = Date.now();
  const result = await run;
  return { ...result, ms: Date.now() - t0 };
}

function expectUnreachable(r: CliResult & { ms: number }, kind: Kind, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(69);
  expect(r.stderr, what).toContain(kind.shown());
  expect(r.stderr, what).toMatch(kind.reason);
  expect(r.stderr, what).not.toContain('unexpected failure');
  expect(`${r.stdout}${r.stderr}`, what).not.toContain(PASSWORD);
  expect(r.ms, what).toBeLessThan(BOUND_MS);
}

describe('a presence remote that cannot be reached', () => {
  it.each(KINDS)('$kind: nodes --remote and presence show exit 69 with the URL and the reason, in bounded time', async (kind) => {
    const node = await nodeFor(kind.url());
    const [nodesRun, show] = await Promise.all([timed(node.run(['nodes', '--remote', kind.url()])), timed(node.run(['presence', 'show']))]);
    expectUnreachable(nodesRun, kind, 'nodes --remote');
    expectUnreachable(show, kind, 'presence show');
  });

  it('every other reading command answers the same way: find, at, history, monitor --once', async () => {
    const kind = KINDS[0]!;
    const node = await nodeFor(kind.url());
    const runs = await Promise.all([
      timed(node.run(['find', '--deployment', 'fed1', '--nodepart', 'app1'])),
      timed(node.run(['at', '2015-10-08T21:13'])),
      timed(node.run(['history', 'i-0ff11e00', '--remote', kind.url()])),
      timed(node.run(['monitor', '--once'])),
    ]);
    runs.forEach((r, i) => expectUnreachable(r, kind, ['find', 'at', 'history', 'monitor --once'][i]!));
  });

  it('serve listens before the fetch of a hung remote ends, then shows the problem with the URL', async () => {
    const kind = KINDS[1]!;
    const node = await nodeFor(kind.url());
    const t0 = Date.now();
    const serve = await startServe(['--remote', kind.url()], node.env);
    try {
      // Listening did not wait for the read: it had not failed yet when the URL was printed.
      expect(serve.stderr()).not.toContain('first read failed');
      expect((await request(serve.port, '/')).status).toBe(200);
      // The grid waits for the first read (bounded by the timeout), which names the remote and why.
      const answer = await request(serve.port, '/api/nodes');
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body) as { nodes: unknown[]; refreshError: string | null };
      expect(body.nodes).toEqual([]);
      expect(body.refreshError).toContain(`cannot read presence from ${kind.shown()}: no answer within ${TIMEOUT_SECONDS} s`);
      expect(serve.stderr()).toContain(kind.shown());
      expect(Date.now() - t0).toBeLessThan(BOUND_MS);
    } finally {
      await serve.stop();
    }
  });

  it('a remote that answers but has no presence yet is not "unreachable": exit 2, naming the branch', async () => {
    const empty = path.join(repos.dir, 'grid.git');
    const node = await nodeFor(empty);
    const r = await node.run(['nodes', '--remote', empty]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${empty} has no branch main`);
  });
});

describe('a writer facing a hung remote', () => {
  it('state set --wait counts from the command start: the delivery gets what is left of it, and the change stays queued', async () => {
    const node = makeTestNode('nodegrid-unreachable-node-');
    nodes.push(node);
    // git's own timeout far beyond the wait: only the wait can stop the fetch.
    node.writeConfig({ presence: { remote: `git://127.0.0.1:${silentPort}/grid.git`, gitTimeoutSeconds: 60 } });
    expect((await node.run(['init', '--id', 'i-0ff11e01', '--deployment', 'fed1', '--nodepart', 'app1'])).code).toBe(0);

    const r = await node.run(['state', 'set', 'setup', '--wait', '3']);

    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('pending: presence:origin (1 event)');
    // What is left of the wait may be under a second: then it is said in ms, never "0 s".
    const stopped = /git fetch timed out after (\d+(?:\.\d)?) (ms|s) \(the delivery time budget ran out\)/.exec(node.read('home/log/nodegrid.log') ?? '');
    expect(stopped, node.read('home/log/nodegrid.log')).not.toBeNull();
    // Starting and stopping take part of the 3 s, so the fetch had less; a slower start leaves it even less.
    const stoppedSeconds = Number(stopped![1]) / (stopped![2] === 'ms' ? 1000 : 1);
    expect(stoppedSeconds).toBeGreaterThan(0);
    expect(stoppedSeconds).toBeLessThan(3);
  });
});
