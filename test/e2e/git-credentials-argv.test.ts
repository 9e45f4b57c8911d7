import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin, readAllFiles, type TestNode } from '../helpers/cli';
import { watchCommandLines, type CmdlineWatch } from '../helpers/cmdline-watch';
import { createBareRepo, makeRepoRoot, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { pendingPresenceEvents, presenceNode, remoteFile } from '../helpers/presence';

/**
 * The password of a remote URL (http://user:PASS@host/…) never appears on any
 * process's command line while nodegrid fetches and pushes through
 * `git http-backend` with basic auth: every /proc/PID/cmdline is read over and
 * over meanwhile, as `ps` would. The URL reaches git stripped of it; the
 * credentials go in git's environment (src/git/credentials.ts).
 */
const PASSWORD = 's3cr3t-pass';
const TOKEN = 'tok-3f9a1c7e5b';
const ID = 'i-argv0001';

let repos: ReturnType<typeof makeRepoRoot>;
let server: GitServer;
let tokenServer: GitServer;
const nodes: TestNode[] = [];
let watch: CmdlineWatch | undefined;

beforeAll(async () => {
  repos = makeRepoRoot();
  server = await startGitHttpServer(repos.dir, { user: 'user', password: PASSWORD });
  // A token as the user and no password: git sends Basic "TOKEN:", which is what this server wants.
  tokenServer = await startGitHttpServer(repos.dir, { user: TOKEN, password: '' });
});
afterAll(async () => {
  await server?.stop();
  await tokenServer?.stop();
  repos?.remove();
});
afterEach(async () => {
  await watch?.stop();
  watch = undefined;
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

/**
 * A HOME whose git config stores credentials on disk (credential.helper store):
 * had git been given the password through its credential machinery, it would
 * land in that file on the first successful push.
 */
function userHome(n: TestNode): { env: { HOME: string }; storeFile: string } {
  const home = path.join(n.root, 'user-home');
  const storeFile = path.join(home, 'stored-credentials');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, '.gitconfig'), `[credential]\n\thelper = store --file=${storeFile}\n`);
  return { env: { HOME: home }, storeFile };
}

async function node(url: string): Promise<{ n: TestNode; env: { HOME: string }; storeFile: string }> {
  const n = await presenceNode(url, ID);
  nodes.push(n);
  return { n, ...userHome(n) };
}

/** nodegrid's own argv holds what the user typed after --remote; its git children must not. */
const ownInvocation = (argv: readonly string[]): boolean => argv[1] === nodegridBin() && argv.includes('--remote');

function leakedFiles(n: TestNode, secret: string): string[] {
  return readAllFiles(n.root).filter((f) => f.file !== n.configFile && f.text.includes(secret)).map((f) => f.file);
}

describe('credentials in an http remote URL never reach a command line', () => {
  it('delivers through git http-backend with basic auth while no process shows the password', async () => {
    const bare = createBareRepo(repos.dir, 'grid.git');
    const url = server.url('grid.git');
    expect(url).toContain(`user:${PASSWORD}@127.0.0.1`);
    const strippedUrl = `http://127.0.0.1:${server.port}/grid.git`;
    const { n, env, storeFile } = await node(url);
    const reader = makeTestNode('nodegrid-reader-');
    nodes.push(reader);

    watch = watchCommandLines(PASSWORD, `127.0.0.1:${server.port}`, ownInvocation);
    await watch.proveItSees();
    const outputs: string[] = [];
    for (const args of [['state', 'set', 'setup'], ['state', 'set', 'initdone'], ['outbox', 'flush']]) {
      const r = await n.run(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    const nodesRun = await reader.run(['nodes', '--remote', url, '--json'], { env });
    expect(nodesRun.code, nodesRun.stderr).toBe(0);
    outputs.push(nodesRun.stdout, nodesRun.stderr);
    await watch.stop();

    expect(remoteFile(bare, 'main', `it/presence/all/${ID}.json`)).toContain('"state": "initdone"');
    expect(pendingPresenceEvents(n)).toEqual([]);
    expect(nodesRun.stdout).toContain(ID);
    expect([...watch.leaks]).toEqual([]);
    // git was seen at work against this remote, with the URL stripped of its credentials.
    const gitLines = [...watch.watched].filter((line) => !ownInvocation(line.split(' ')));
    expect(gitLines.length).toBeGreaterThan(0);
    expect(gitLines.some((line) => line.includes(strippedUrl))).toBe(true);
    expect(gitLines.every((line) => !line.includes('@127.0.0.1'))).toBe(true);
    // Nor in messages, the node's files (clone config, FETCH_HEAD, reflogs, outbox) or the user's credential store.
    expect(outputs.filter((text) => text.includes(PASSWORD))).toEqual([]);
    expect([...leakedFiles(n, PASSWORD), ...leakedFiles(reader, PASSWORD)]).toEqual([]);
    expect(fs.existsSync(storeFile)).toBe(false);
    watch = undefined;
  });

  it('reports a wrong password as an authentication failure that never shows it', async () => {
    createBareRepo(repos.dir, 'wrong.git');
    const wrongUrl = server.url('wrong.git').replace(PASSWORD, `${PASSWORD}-wrong`);
    const { n, env, storeFile } = await node(wrongUrl);
    const reader = makeTestNode('nodegrid-reader-');
    nodes.push(reader);

    watch = watchCommandLines(PASSWORD, `127.0.0.1:${server.port}`, ownInvocation);
    const set = await n.run(['state', 'set', 'setup'], { env });
    const outbox = await n.run(['outbox', '--json'], { env });
    const nodesRun = await reader.run(['nodes', '--remote', wrongUrl], { env });
    await watch.stop();

    expect(set.code).toBe(0); // the change is on the node; presence waits in the outbox
    expect(pendingPresenceEvents(n)).toHaveLength(1);
    const queue = (JSON.parse(outbox.stdout) as Array<{ sink: string; lastError: string }>).find((q) => q.sink === 'presence:origin')!;
    expect(queue.lastError).toMatch(/http:\/\/\*\*\*\*@127\.0\.0\.1:\d+\/wrong\.git failed: .*Authentication failed .*\(HTTP 401\): the server refused the user and password in the remote URL/);
    expect(nodesRun.code).not.toBe(0);
    expect(nodesRun.stderr).toMatch(/Authentication failed .*\(HTTP 401\)/);
    expect([set, outbox, nodesRun].flatMap((r) => [r.stdout, r.stderr]).filter((text) => text.includes(PASSWORD))).toEqual([]);
    expect([...watch.leaks]).toEqual([]);
    expect(leakedFiles(n, PASSWORD)).toEqual([]);
    expect(fs.existsSync(storeFile)).toBe(false);
    watch = undefined;
  });

  it('sends a token given as the user with no password, as git itself would, and never shows it', async () => {
    const bare = createBareRepo(repos.dir, 'token.git');
    const { n, env } = await node(`http://${TOKEN}@127.0.0.1:${tokenServer.port}/token.git`);

    watch = watchCommandLines(TOKEN, `127.0.0.1:${tokenServer.port}`);
    const set = await n.run(['state', 'set', 'setup'], { env });
    await watch.stop();

    expect(set.code, set.stderr).toBe(0);
    expect(remoteFile(bare, 'main', `it/presence/all/${ID}.json`)).toContain('"state": "setup"');
    expect([...watch.leaks]).toEqual([]);
    expect(`${set.stdout}${set.stderr}`).not.toContain(TOKEN);
    expect(leakedFiles(n, TOKEN)).toEqual([]);
    watch = undefined;
  });
});
