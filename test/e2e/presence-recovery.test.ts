import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, nodegridBin, type TestNode } from '../helpers/cli';
import { createBareRepo, freePort, gitSync, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { expectedDocument, pendingPresenceEvents, presenceNode, remoteFile, remoteSubjects } from '../helpers/presence';

/**
 * Delivery to presence never goes silent: whatever a killed git leaves in the
 * node's clone (locks, temporaries, a damaged object) is cleaned up or the clone
 * made again, and a hostile entry in the remote tip never stops a writer.
 */
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  repos = makeRepoRoot('nodegrid-recovery-');
  daemon = await startGitDaemon(repos.dir);
});
afterAll(async () => {
  await daemon?.stop();
  repos?.remove();
  for (const node of nodes.splice(0)) fs.rmSync(node.root, { recursive: true, force: true });
});

async function node(url: string, id: string, presence: Record<string, unknown> = {}): Promise<TestNode> {
  const made = await presenceNode(url, id, presence);
  nodes.push(made);
  return made;
}

const cloneOf = (n: TestNode): string => path.join(n.home, 'clones', 'presence-origin.git');

/** What a killed git leaves: lock files and temporaries anywhere in the clone (found without nodegrid's own code). */
function leftovers(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (/\.lock$|^tmp_|\.tmp$|^nodegrid-index-|\.keep$|^incoming-/.test(entry.name)) found.push(path.relative(gitDir, full));
      else if (entry.isDirectory()) walk(full);
    }
  };
  walk(gitDir);
  return found;
}

/** Subjects the node's accepted changes must have on the remote, from its statelog (the source of truth). */
function subjectsFor(n: TestNode, label: string): string[] {
  const states = (n.read('nodeinfo/statelog.txt') ?? '')
    .split(';')
    .filter(Boolean)
    .map((entry) => entry.split(':')[0]!);
  return states.map((state, i) => `${label}: ${i === 0 ? 'none' : states[i - 1]} -> ${state}`);
}

describe('a clone a killed git left behind', () => {
  it('removes stale locks and temporaries on the way in, says so in the log, and delivers', async () => {
    const bare = createBareRepo(repos.dir, 'locks.git');
    const n = await node(daemon.url('locks.git'), 'i-locks');
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    const clone = cloneOf(n);
    // Exactly what git leaves when it is SIGKILLed mid-fetch and mid-push.
    for (const file of ['shallow.lock', 'packed-refs.lock', 'refs/remotes/origin/main.lock', 'objects/pack/tmp_pack_Xy12ab', 'objects/pack/pack-1234.keep', 'nodegrid-index-1234-abcdef']) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.writeFileSync(path.join(clone, file), 'left by a killed git\n');
    }
    const set = await n.run(['state', 'set', 'initdone']);
    expect(set.code).toBe(0);
    expect(set.stderr).not.toContain('pending');
    expect(remoteFile(bare, 'main', 'it/presence/all/i-locks.json')).toBe(expectedDocument(n));
    expect(leftovers(clone)).toEqual([]);
    const log = n.read('home/log/nodegrid.log') ?? '';
    const repaired = log.split('\n').find((line) => line.includes('(left by a killed git)')) ?? '';
    for (const file of ['shallow.lock', 'packed-refs.lock', 'refs/remotes/origin/main.lock', 'objects/pack/tmp_pack_Xy12ab']) expect(repaired).toContain(file);
  });

  it('sets a damaged clone aside, makes a new one and delivers', async () => {
    const bare = createBareRepo(repos.dir, 'damaged.git');
    const n = await node(daemon.url('damaged.git'), 'i-damaged');
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    const clone = cloneOf(n);
    // Every loose object truncated to nothing: what a full disk or a crash mid-write leaves.
    const objects = path.join(clone, 'objects');
    let damaged = 0;
    for (const dir of fs.readdirSync(objects).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      for (const file of fs.readdirSync(path.join(objects, dir))) {
        fs.chmodSync(path.join(objects, dir, file), 0o644);
        fs.writeFileSync(path.join(objects, dir, file), '');
        damaged++;
      }
    }
    expect(damaged).toBeGreaterThan(0);
    const set = await n.run(['state', 'set', 'initdone']);
    expect(set.code).toBe(0);
    expect(remoteFile(bare, 'main', 'it/presence/all/i-damaged.json')).toBe(expectedDocument(n));
    expect(n.read('home/log/nodegrid.log')).toMatch(/presence clone .* is damaged: .*; moved it to .*presence-origin\.git\.broken and made a new clone/);
    expect(remoteSubjects(bare, 'main')).toEqual(['i-damaged:fed1/db1: none -> setup', 'i-damaged:fed1/db1: setup -> initdone']);
  });
});

/** A loopback TCP proxy to the daemon that passes the server's first answer, then stalls: a fetch hung mid-transfer. */
async function stallingProxy(targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    let answered = false;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      // The ref advertisement gets through; the pack never does.
      if (!answered) client.write(chunk);
      answered = true;
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a delivery whose budget runs out mid-fetch', () => {
  it('stops git, keeps the change queued, and the next delivery to a healthy remote lands it', async () => {
    const bare = createBareRepo(repos.dir, 'stall.git');
    const first = await node(daemon.url('stall.git'), 'i-other');
    expect((await first.run(['state', 'set', 'setup'])).code).toBe(0);
    const proxy = await stallingProxy(daemon.port);
    try {
      const n = await node(`git://127.0.0.1:${proxy.port}/stall.git`, 'i-stall', { gitTimeoutSeconds: 2 });
      const stalled = await n.run(['state', 'set', 'setup', '--wait', '4']);
      expect(stalled.code).toBe(0);
      expect(stalled.stderr).toMatch(/pending: presence:origin \(1 event\): .*timed out/);
      expect(pendingPresenceEvents(n)).toHaveLength(1);
      // The same clone (remote "origin"), now pointed at the healthy server.
      n.writeConfig({ presence: { remote: daemon.url('stall.git') }, outbox: { waitSeconds: 30 } });
      const flush = await n.run(['outbox', 'flush']);
      expect(flush.code, flush.stderr).toBe(0);
      expect(remoteFile(bare, 'main', 'it/presence/all/i-stall.json')).toBe(expectedDocument(n));
      expect(leftovers(cloneOf(n))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

/** The pids of a process and everything below it, from /proc (git runs in groups of its own, so a group kill would miss it). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const visit = (pid: number): void => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

const NEXT: Record<string, string> = { '': 'setup', setup: 'initdone', initdone: 'running', running: 'draining', draining: 'running' };

describe('nodegrid and its git children killed at random moments', () => {
  it('loses no accepted change and leaves no lock: after a final flush every change is on the remote once, in order', { timeout: 900_000 }, async () => {
    const bare = createBareRepo(repos.dir, 'kills.git');
    const n = await node(daemon.url('kills.git'), 'i-kills');
    const gitsSeen = new Set<string>();
    let killed = 0;
    const ROUNDS = 100;
    // How long a whole `state set` takes here, from the runs that finished: kill times are
    // drawn within it, so the kills land inside the run on a quiet machine and a loaded one.
    let typicalMs = 1500;
    for (let round = 0; round < ROUNDS; round++) {
      const current = (n.read('nodeinfo/state.txt') ?? '').trim();
      const child = spawn(process.execPath, [nodegridBin(), 'state', 'set', NEXT[current] ?? 'setup', '--wait', '20'], {
        env: { ...cleanEnv(), ...n.env },
        stdio: 'ignore',
      });
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Spread over start-up, the record, the fetch and the push (every third round early); some runs finish first.
      const at = Math.random() * typicalMs * (round % 3 === 0 ? 0.4 : 1);
      const timer = new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), at));
      if ((await Promise.race([exited, timer])) === 'timer') {
        const tree = processTree(child.pid!);
        for (const pid of tree.slice(1)) {
          try {
            gitsSeen.add(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((arg) => ['fetch', 'push', 'cat-file', 'index-pack', 'pack-objects', 'unpack-objects'].includes(arg)) ?? '');
          } catch {
            /* gone */
          }
        }
        // Mostly the whole tree (an OOM or cgroup kill); every fifth time nodegrid alone, leaving its gits running.
        for (const pid of round % 5 === 4 ? tree.slice(0, 1) : tree) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        killed++;
      } else {
        typicalMs = (typicalMs + (Date.now() - started)) / 2;
      }
      await exited;
    }
    expect(killed).toBeGreaterThan(ROUNDS / 2);
    // The kills did land while git worked, not only before it started.
    expect([...gitsSeen].filter(Boolean).length).toBeGreaterThan(0);

    expect((await n.run(['state'])).code).toBe(0);
    const flush = await n.run(['outbox', 'flush', '--wait', '120'], { timeoutMs: 150_000 });
    expect(flush.code, flush.stderr).toBe(0);
    const wanted = subjectsFor(n, 'i-kills:fed1/db1');
    expect(wanted.length).toBeGreaterThan(10);
    expect(remoteSubjects(bare, 'main', 'it/presence/all/i-kills.json')).toEqual(wanted);
    expect(remoteFile(bare, 'main', 'it/presence/all/i-kills.json')).toBe(expectedDocument(n));
    expect(leftovers(cloneOf(n))).toEqual([]);
  });
});

describe('a remote tip holding entries git itself refuses', () => {
  it('still delivers every node\'s document, carrying "..", a symlink, a gitlink and a 50 MB file along untouched', { timeout: 180_000 }, async () => {
    const bare = createBareRepo(repos.dir, 'hostile.git');
    const blob = (content: string | Buffer): string => gitSync(['--git-dir', bare, 'hash-object', '-w', '--stdin'], { input: content as string }).trim();
    const big = path.join(repos.dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 0x7a));
    const bigBlob = gitSync(['--git-dir', bare, 'hash-object', '-w', big]).trim();
    const x = blob('x\n');
    const mktree = (lines: string[]): string => gitSync(['--git-dir', bare, 'mktree', '--missing'], { input: `${lines.join('\n')}\n` }).trim();
    const all = mktree([`100644 blob ${x}\t..`, `120000 blob ${x}\tlink.json`, `160000 commit ${'f'.repeat(40)}\tsub`, `120000 blob ${x}\ti-hostile-2.json`]);
    const presence = mktree([`040000 tree ${all}\tall`, `100644 blob ${bigBlob}\tbig.bin`]);
    const it_ = mktree([`040000 tree ${presence}\tpresence`]);
    const root = mktree([`040000 tree ${it_}\tit`]);
    const commit = gitSync(['--git-dir', bare, 'commit-tree', root, '-m', 'a hostile node was here']).trim();
    gitSync(['--git-dir', bare, 'update-ref', 'refs/heads/main', commit]);

    const ids = ['i-hostile-1', 'i-hostile-2', 'i-hostile-3'];
    const made: TestNode[] = [];
    for (const id of ids) made.push(await node(daemon.url('hostile.git'), id));
    const sets = await Promise.all(made.map((n) => n.run(['state', 'set', 'setup'], { timeoutMs: 120_000 })));
    for (const set of sets) expect(set.code, set.stderr).toBe(0);
    for (const [i, n] of made.entries()) {
      expect(pendingPresenceEvents(n), ids[i]).toEqual([]);
      expect(remoteFile(bare, 'main', `it/presence/all/${ids[i]}.json`)).toBe(expectedDocument(n));
    }
    const listing = gitSync(['--git-dir', bare, 'ls-tree', '-r', 'main']);
    expect(listing).toContain(`100644 blob ${x}\tit/presence/all/..`);
    expect(listing).toContain(`120000 blob ${x}\tit/presence/all/link.json`);
    expect(listing).toContain(`160000 commit ${'f'.repeat(40)}\tit/presence/all/sub`);
    expect(listing).toContain(`100644 blob ${bigBlob}\tit/presence/big.bin`);
    // The symlink that stood at a node's own path gave way to its document, and the log says so once.
    expect((made[1]!.read('home/log/nodegrid.log') ?? '').match(/it\/presence\/all\/i-hostile-2\.json: a symlink replaced by/g)?.length).toBe(1);
  });
});
