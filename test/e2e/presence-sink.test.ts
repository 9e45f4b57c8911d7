import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattimeMinuteStart } from '../../src/core/time';
import type { TestNode } from '../helpers/cli';
import { commitFiles, createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { expectedDocument, mergeCommits, pendingPresenceEvents, presenceNode, remoteFile, remoteSubjects } from '../helpers/presence';

const ID = 'i-4e7cb59a';
const DOC = `it/presence/all/${ID}.json`;

const grid = useGitDaemon<TestNode>();

async function node(repo: string, presence: Record<string, unknown> = {}): Promise<TestNode> {
  return grid.track(await presenceNode(grid.daemon().url(repo), ID, presence));
}

async function set(n: TestNode, state: string, ...args: string[]): Promise<void> {
  const r = await n.run(['state', 'set', state, ...args]);
  expect(r.code, r.stderr).toBe(0);
}

function countLines(n: TestNode, pattern: RegExp): number {
  return (n.read('home/log/nodegrid.log') ?? '').split('\n').filter((line) => pattern.test(line)).length;
}

describe('presence sink against git daemon', () => {
  it('creates the branch on an empty remote and commits each state change as its own commit, byte for byte, reusing its clone', async () => {
    const bare = createBareRepo(grid.repos(), 'first.git');
    const n = await node('first.git');
    await set(n, 'setup');
    await set(n, 'initdone', '--note', 'init took 104 s');
    await set(n, 'running');

    expect(remoteSubjects(bare, 'main', DOC)).toEqual([`${ID}:fed1/db1: none -> setup`, `${ID}:fed1/db1: setup -> initdone`, `${ID}:fed1/db1: initdone -> running`]);
    expect(remoteFile(bare, 'main', DOC)).toBe(expectedDocument(n));
    expect(remoteFile(bare, 'main~1', DOC)).toContain('"state": "initdone"');
    expect(gitSync(['--git-dir', bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%b', 'main~1'])).toContain(`nodegrid <nodegrid@${ID}>|nodegrid <nodegrid@${ID}>|init took 104 s`);
    expect(mergeCommits(bare, 'main')).toEqual([]);
    expect(pendingPresenceEvents(n)).toEqual([]);
    expect(countLines(n, /created the presence clone/)).toBe(1);
    expect(countLines(n, /presence:origin: pushed 1 commit on main/)).toBe(3);
  });

  it('re-announces the current document with one fetch and one push after the repository lost it', async () => {
    const bare = createBareRepo(grid.repos(), 'announce.git');
    const n = await node('announce.git');
    await set(n, 'setup');
    // Someone removes the node's document from the repository.
    const tip = gitSync(['--git-dir', bare, 'rev-parse', 'main']).trim();
    commitFiles(bare, 'main', { 'README.md': 'cleaned up\n' }, 'clean up', tip);
    expect(remoteFile(bare, 'main', DOC)).toBeUndefined();

    const before = grid.daemon().requests('announce.git');
    const pushed = await n.run(['presence', 'push']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain(`announced setup (${ID}:fed1/db1) on presence:origin`);
    const after = grid.daemon().requests('announce.git');
    expect({ fetches: after.fetches - before.fetches, pushes: after.pushes - before.pushes }).toEqual({ fetches: 1, pushes: 1 });
    expect(remoteFile(bare, 'main', DOC)).toBe(expectedDocument(n));
    expect(remoteSubjects(bare, 'main').at(-1)).toBe(`${ID}:fed1/db1: announce setup`);
    expect(countLines(n, /created the presence clone/)).toBe(1);

    // Nothing changed since: a second announce makes no commit.
    const commits = remoteSubjects(bare, 'main').length;
    expect((await n.run(['presence', 'push'])).code).toBe(0);
    expect(remoteSubjects(bare, 'main')).toHaveLength(commits);

    const shown = await n.run(['presence', 'show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ID, branch: 'main', file: DOC, record: { id: ID, state: 'setup', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1' } });
    const missing = await n.run(['presence', 'show', 'i-nobody']);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('no document for i-nobody at it/presence/all/i-nobody.json');
  });

  it('writes heartbeats to flattime on their own branch, beats at most every everyMinutes, and coalesces queued beats into one commit', async () => {
    const bare = createBareRepo(grid.repos(), 'beats.git');
    const n = await node('beats.git', { heartbeat: { branch: 'heartbeat', everyMinutes: 5 } });
    await set(n, 'setup');
    const beat = await n.run(['presence', 'heartbeat', '--json']);
    expect(beat.code, beat.stderr).toBe(0);
    const { minute } = JSON.parse(beat.stdout) as { minute: string };
    const beatPath = `it/presence/flattime/${minute.slice(0, 4)}/${minute.slice(4, 6)}/${minute.slice(6, 8)}/${minute.slice(8, 10)}/${minute}/all/${ID}.json`;
    expect(remoteFile(bare, 'heartbeat', beatPath)).toBe(expectedDocument(n));
    expect(remoteSubjects(bare, 'heartbeat')).toEqual([`${ID}: heartbeat ${minute}`]);
    // The main branch holds only the current document.
    expect(gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main']).trim()).toBe(DOC);

    const early = await n.run(['presence', 'heartbeat']);
    expect(early.code).toBe(0);
    expect(early.stderr).toContain('not due');
    expect(remoteSubjects(bare, 'heartbeat')).toHaveLength(1);

    // An outage: beats of the three minutes before the first beat wait in the queue (as the outbox
    // stores them). They are counted from the first beat, not from now: on a slow run the clock may
    // have reached the next minute, and a beat "one minute ago" would then be the first beat again.
    expect((await n.run(['presence', 'heartbeat', '--force', '--no-wait'])).code).toBe(0);
    const queueDir = path.join(n.home, 'outbox', 'presence:origin');
    const [queued] = pendingPresenceEvents(n);
    const event = JSON.parse(fs.readFileSync(path.join(queueDir, queued!), 'utf8')) as { seq: number; id: string; time: string };
    fs.rmSync(path.join(queueDir, queued!));
    const firstBeat = flattimeMinuteStart(minute)!.getTime() + 30_000;
    const minutesAgo = [3, 2, 1];
    minutesAgo.forEach((ago, i) => {
      const copy = { ...event, seq: event.seq + i, id: `${event.id.slice(0, -1)}${i}`, time: new Date(firstBeat - ago * 60_000).toISOString() };
      fs.writeFileSync(path.join(queueDir, `${String(copy.seq).padStart(12, '0')}-heartbeat-${copy.id}.json`), `${JSON.stringify(copy)}\n`);
    });
    const flushed = await n.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain('delivered 3 events');
    const subjects = remoteSubjects(bare, 'heartbeat');
    expect(subjects).toHaveLength(2);
    expect(subjects[1]).toMatch(new RegExp(`^${ID}: heartbeat \\d{12} \\(3 beats since \\d{12}\\)$`));
    expect(gitSync(['--git-dir', bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'heartbeat']).split('\n').filter(Boolean)).toHaveLength(3);

    const shown = await n.run(['presence', 'show']);
    // The newest beat is still the one of this minute; the coalesced ones were older.
    expect(shown.stdout).toContain(`last beat: ${minute}`);
  });

  it('adds its commits on top of a remote whose branch has unrelated history, and survives that history being replaced', async () => {
    const bare = createBareRepo(grid.repos(), 'unrelated.git', { unrelatedHistory: { branch: 'main', files: { 'README.md': '# grid presence\n', 'docs/how.txt': 'read me\n' } } });
    const theirs = gitSync(['--git-dir', bare, 'rev-parse', 'main']).trim();
    const n = await node('unrelated.git');
    await set(n, 'setup');
    expect(gitSync(['--git-dir', bare, 'rev-parse', 'main^']).trim()).toBe(theirs);
    expect(remoteFile(bare, 'main', 'README.md')).toBe('# grid presence\n');
    expect(remoteFile(bare, 'main', DOC)).toContain('"state": "setup"');

    // Someone force-pushes a brand new history: we build on it, we never merge or rewrite it.
    const replaced = commitFiles(bare, 'main', { 'NEW.md': 'a fresh start\n' }, 'fresh start');
    await set(n, 'initdone');
    expect(gitSync(['--git-dir', bare, 'rev-parse', 'main^']).trim()).toBe(replaced);
    expect(remoteFile(bare, 'main', 'NEW.md')).toBe('a fresh start\n');
    expect(remoteFile(bare, 'main', DOC)).toBe(expectedDocument(n));
    expect(mergeCommits(bare, 'main')).toEqual([]);
  });

  it('reports a push refused by a pre-receive hook with the remote and the reason, once per delivery, and never gives the change up (issue 15)', async () => {
    createBareRepo(grid.repos(), 'frozen.git', { rejectWith: 'presence is frozen for maintenance' });
    const n = await node('frozen.git');
    const result = await n.run(['state', 'set', 'setup']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('pending: presence:origin (1 event)');
    expect(grid.daemon().requests('frozen.git').pushes).toBe(1);

    const listing = JSON.parse((await n.run(['outbox', '--json'])).stdout) as Array<{ sink: string; lastError: string; pending: number; setAside: number }>;
    const queue = listing.find((q) => q.sink === 'presence:origin')!;
    expect(queue.lastError).toContain(`the server refused the push to ${grid.daemon().url('frozen.git')} (branch main): [remote rejected] (pre-receive hook declined)`);
    expect(queue.lastError).toContain('presence is frozen for maintenance');

    // Past outbox.maxPermanentFailures (3) the change is still queued and still tried: only an operator drops it.
    for (let i = 0; i < 3; i++) expect((await n.run(['outbox', 'flush', '--wait', '20'])).code).toBe(4);
    expect(grid.daemon().requests('frozen.git').pushes).toBe(4);
    const after = JSON.parse((await n.run(['outbox', '--json'])).stdout) as Array<{ sink: string; pending: number; setAside: number }>;
    expect(after.find((q) => q.sink === 'presence:origin')).toMatchObject({ pending: 1, setAside: 0 });
  });

  it('keeps 5 changes made while the server is down and delivers them in order, one commit each, when it returns', async () => {
    const bare = createBareRepo(grid.repos(), 'outage.git');
    const n = await node('outage.git');
    await grid.daemon().stop();
    const states = ['setup', 'initdone', 'running', 'draining', 'drained'];
    try {
      for (const state of states) await set(n, state);
      expect(pendingPresenceEvents(n)).toHaveLength(5);
      expect(fs.existsSync(path.join(bare, 'refs/heads/main'))).toBe(false);
    } finally {
      await grid.daemon().start();
    }
    const flushed = await n.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain('delivered 5 events; 0 pending');
    const froms = ['none', ...states.slice(0, -1)];
    expect(remoteSubjects(bare, 'main', DOC)).toEqual(states.map((s, i) => `${ID}:fed1/db1: ${froms[i]} -> ${s}`));
    states.forEach((state, i) => expect(remoteFile(bare, `main~${4 - i}`, DOC)).toContain(`"state": "${state}"`));
    expect(remoteFile(bare, 'main', DOC)).toBe(expectedDocument(n));
  });

  it('says how to configure a remote when none is set', async () => {
    const n = await node('unused.git');
    n.writeConfig({});
    const r = await n.run(['presence', 'push']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no presence remote is configured');
    expect(r.stderr).toContain('add presence.remote');
  });
});
