import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readAllFiles, type TestNode } from '../helpers/cli';
import { createBareRepo, freePort, makeRepoRoot, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { pendingPresenceEvents, presenceNode, remoteFile } from '../helpers/presence';

/**
 * A remote URL with credentials (https://user:token@host/…) works, and the
 * token is never printed: not on stdout/stderr, not in the log, the outbox,
 * the clone's files or `nodegrid outbox`/`info`. Runs through `git http-backend`.
 */
const SECRET = 'secrettoken';
const ID = 'i-cred0001';

let repos: ReturnType<typeof makeRepoRoot>;
let server: GitServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  repos = makeRepoRoot();
  server = await startGitHttpServer(repos.dir, { user: 'user', password: SECRET });
});
afterAll(async () => {
  await server?.stop();
  repos?.remove();
});
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

/** Everything the node wrote or printed, except the config file the user wrote the URL into. */
function leaks(n: TestNode, outputs: string[]): string[] {
  const files = readAllFiles(n.root).filter((f) => f.file !== n.configFile && f.text.includes(SECRET)).map((f) => f.file);
  return [...files, ...outputs.filter((text) => text.includes(SECRET))];
}

async function runAll(n: TestNode, commands: string[][]): Promise<string[]> {
  const outputs: string[] = [];
  for (const args of commands) {
    const r = await n.run(args);
    outputs.push(r.stdout, r.stderr);
  }
  return outputs;
}

describe('presence remote URL with credentials', () => {
  it('pushes through git http-backend with basic auth and never shows the token', async () => {
    const bare = createBareRepo(repos.dir, 'cred.git');
    const n = await presenceNode(server.url('cred.git'), ID);
    nodes.push(n);
    expect(server.url('cred.git')).toContain(`user:${SECRET}@127.0.0.1`);
    const outputs = await runAll(n, [['state', 'set', 'setup'], ['presence', 'heartbeat'], ['presence', 'push'], ['presence', 'show'], ['outbox'], ['outbox', '--json'], ['info', '--json']]);
    expect(remoteFile(bare, 'main', `it/presence/all/${ID}.json`)).toContain('"state": "setup"');
    expect(pendingPresenceEvents(n)).toEqual([]);
    expect(outputs.join('\n')).toContain('http://****@127.0.0.1');
    expect(leaks(n, outputs)).toEqual([]);
  });

  it('reports a wrong password as a refusal naming the redacted remote, and never shows it', async () => {
    createBareRepo(repos.dir, 'wrong.git');
    const wrongUrl = server.url('wrong.git').replace(SECRET, `${SECRET}-wrong`);
    const n = await presenceNode(wrongUrl, ID);
    nodes.push(n);
    const outputs = await runAll(n, [['state', 'set', 'setup'], ['outbox', '--json']]);
    const queue = (JSON.parse(outputs[2]!) as Array<{ sink: string; lastError: string }>).find((q) => q.sink === 'presence:origin')!;
    expect(queue.lastError).toMatch(/fetch from http:\/\/\*\*\*\*@127\.0\.0\.1:\d+\/wrong\.git failed: .*Authentication failed/);
    expect(queue.lastError).toContain("check the URL and this node's credentials");
    expect(leaks(n, outputs)).toEqual([]);
  });

  it('keeps the change queued when nothing listens on the port, and never shows the token', async () => {
    const port = await freePort();
    const n = await presenceNode(`https://user:${SECRET}@127.0.0.1:${port}/x.git`, ID);
    nodes.push(n);
    const outputs = await runAll(n, [['state', 'set', 'setup'], ['outbox', 'flush', '--wait', '5'], ['outbox'], ['outbox', '--json'], ['info']]);
    expect(pendingPresenceEvents(n)).toHaveLength(1);
    expect(outputs.join('\n')).toContain(`https://****@127.0.0.1:${port}/x.git`);
    expect(leaks(n, outputs)).toEqual([]);
  });
});
