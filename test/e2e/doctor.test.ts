import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestNode } from '../helpers/cli';
import { createBareRepo, freePort, makeRepoRoot, startGitDaemon, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { presenceNode } from '../helpers/presence';

const ID = 'i-4e7cb59a';
const CLONE = 'home/clones/presence-origin.git';

let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
/** The same repositories, but receive-pack refused by the daemon's access hook: a node without write access. */
let readOnly: GitServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  const hook = path.join(repos.dir, 'deny-push.sh');
  fs.writeFileSync(hook, '#!/bin/sh\n[ "$1" = receive-pack ] && { echo "this key is read-only"; exit 1; }\nexit 0\n', { mode: 0o755 });
  readOnly = await startGitDaemon(repos.dir, { accessHook: hook });
});
afterAll(async () => {
  await daemon?.stop();
  await readOnly?.stop();
  repos?.remove();
});
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

async function node(url: string, extra: Record<string, unknown> = {}): Promise<TestNode> {
  const n = await presenceNode(url, ID, {}, extra);
  nodes.push(n);
  return n;
}

async function doctor(n: TestNode) {
  const text = await n.run(['doctor', '--timeout', '20'], { timeoutMs: 60_000 });
  const json = await n.run(['doctor', '--json', '--timeout', '20'], { timeoutMs: 60_000 });
  return { ...text, checks: JSON.parse(json.stdout).checks as Array<{ check: string; ok: boolean; detail: string; hint?: string }>, jsonCode: json.code };
}

const problems = (checks: Array<{ check: string; ok: boolean }>) => checks.filter((c) => !c.ok).map((c) => c.check);

describe('nodegrid doctor', () => {
  it('says ok, one line per check in order, and exits 0 on a healthy node against git daemon', async () => {
    createBareRepo(repos.dir, 'healthy.git');
    const n = await node(daemon.url('healthy.git'));
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    const r = await doctor(n);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.jsonCode).toBe(0);
    expect(r.checks.map((c) => c.check)).toEqual(['nodeinfo', 'config', 'clone presence:origin', 'reach presence:origin', 'write presence:origin', 'outbox presence:origin', 'clock presence:origin']);
    expect(problems(r.checks)).toEqual([]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(new RegExp(`^ok +nodeinfo: ${ID} \\(fed1/db1\\), state setup, in `));
    expect(lines[3]).toMatch(/^ok +reach presence:origin: git:\/\/127\.0\.0\.1:\d+\/healthy\.git answers; branch main at [0-9a-f]{12}$/);
    expect(lines[4]).toMatch(/^ok +write presence:origin: .* accepts pushes from this node \(receive-pack answered a dry run; nothing was sent\)$/);
    expect(lines[6]).toMatch(/^ok +clock presence:origin: not measurable for git:\/\/ and ssh remotes/);
    expect(lines[7]).toBe('all 7 checks ok');
  });

  it('names a stale shallow.lock a killed git left in the clone', async () => {
    createBareRepo(repos.dir, 'locked.git');
    const n = await node(daemon.url('locked.git'));
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    fs.writeFileSync(path.join(n.root, CLONE, 'shallow.lock'), '');
    const r = await doctor(n);
    expect(r.code).toBe(3);
    expect(problems(r.checks)).toEqual(['clone presence:origin']);
    expect(r.stdout).toMatch(/^PROBLEM clone presence:origin: stale git lock or temporary files left by a killed git in .*presence-origin\.git: shallow\.lock; the next delivery removes them \(nodegrid outbox flush\)/m);
    expect(r.stdout).toContain('1 of 7 checks found a problem');
    expect(r.stderr).toContain('error: doctor found 1 problem');
    // Doctor only looks: the lock is still there for the next delivery to remove.
    expect(fs.existsSync(path.join(n.root, CLONE, 'shallow.lock'))).toBe(true);
  });

  it('names an unreachable remote', async () => {
    const port = await freePort();
    const n = await node(`git://127.0.0.1:${port}/gone.git`, { outbox: { waitSeconds: 2 } });
    const r = await doctor(n);
    expect(r.code).toBe(3);
    expect(problems(r.checks)).toEqual(expect.arrayContaining(['reach presence:origin', 'write presence:origin']));
    expect(r.stdout).toMatch(new RegExp(`^PROBLEM reach presence:origin: ls-remote of git://127\\.0\\.0\\.1:${port}/gone\\.git failed: .*[Cc]onnection refused.*; check the network path`, 'm'));
  });

  it('names a remote this node may not push to, without pushing anything', async () => {
    const bare = createBareRepo(repos.dir, 'readonly.git');
    const n = await node(readOnly.url('readonly.git'));
    const r = await doctor(n);
    expect(r.code).toBe(3);
    expect(problems(r.checks)).toEqual(['write presence:origin']);
    expect(r.stdout).toMatch(/^PROBLEM write presence:origin: git:\/\/127\.0\.0\.1:\d+\/readonly\.git does not let this node push: .*access denied.*; give this node write access/m);
    expect(r.stdout).toMatch(/^ok +reach presence:origin: /m);
    expect(fs.readdirSync(path.join(bare, 'refs', 'heads'))).toEqual([]);
  });

  it('names a remote that refuses deliveries (a pre-receive hook) and an outbox stuck past its threshold', async () => {
    createBareRepo(repos.dir, 'refusing.git', { rejectWith: 'presence writes are frozen' });
    const n = await node(daemon.url('refusing.git'), { outbox: { waitSeconds: 5, stuckAfterSeconds: '1s' } });
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const r = await doctor(n);
    expect(r.code).toBe(3);
    expect(problems(r.checks)).toEqual(['write presence:origin', 'outbox presence:origin']);
    expect(r.stdout).toMatch(/^PROBLEM write presence:origin: .* accepts the connection for a push, but refused the last delivery: .*pre-receive hook declined.*presence writes are frozen.*; fix the server side/m);
    expect(r.stdout).toMatch(/^PROBLEM outbox presence:origin: delivery stuck: 1 pending, oldest \d+ s ago, undelivered for longer than 1 s; last error: /m);
  });

  it('measures the clock against an http remote and never prints its password', async () => {
    const http = await startGitHttpServer(repos.dir, { user: 'node', password: 'hunter2-EXAMPLE-secret' });
    try {
      createBareRepo(repos.dir, 'http.git');
      const n = await node(http.url('http.git'));
      const r = await doctor(n);
      expect(r.stdout).toMatch(/^ok +clock presence:origin: this node's clock is within \d+ s of http:\/\/\S*127\.0\.0\.1:\d+\/http\.git$/m);
      expect(r.stdout + r.stderr).not.toContain('hunter2-EXAMPLE-secret');
      expect(JSON.stringify(r.checks)).not.toContain('hunter2-EXAMPLE-secret');
    } finally {
      await http.stop();
    }
  });

  it('reports a config that does not load, and exits 3', async () => {
    const n = await node(daemon.url('any.git'));
    n.writeConfig({ outbox: { stuckAfterSeconds: 'soon' } });
    const r = await n.run(['doctor']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^PROBLEM config: config file .*outbox\.stuckAfterSeconds/m);
  });
});
