import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestNode } from '../helpers/cli';
import { commitFiles, createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { expectedDocument, mergeCommits, pendingPresenceEvents, presenceNode, remoteFile, remoteSubjects } from '../helpers/presence';

// Staged refs (src/presence/git/staging.ts): each node pushes its change to a
// ref of its own, and whoever pushes the branch carries every staged change.

const grid = useGitDaemon<TestNode>();

async function node(repo: string, id: string): Promise<TestNode> {
  return grid.track(await presenceNode(grid.daemon().url(repo), id));
}

const doc = (id: string): string => `it/presence/all/${id}.json`;
const log = (n: TestNode): string => n.read('home/log/nodegrid.log') ?? '';

/** An update hook (one ref at a time, like a host's branch protection) refusing refs that match `pattern` (a shell case pattern). */
function refuseRefs(bare: string, pattern: string, reason: string): void {
  const hook = path.join(bare, 'hooks', 'update');
  fs.writeFileSync(hook, `#!/bin/sh\ncase "$1" in ${pattern}) echo ${JSON.stringify(reason)} >&2; exit 1;; esac\nexit 0\n`, { mode: 0o755 });
}

function allowAll(bare: string): void {
  fs.rmSync(path.join(bare, 'hooks', 'update'), { force: true });
}

/** Points a ref of the bare repo at a new root commit holding `files`, as any node with push access could. */
function stageByHand(bare: string, ref: string, files: Record<string, string>, message: string): string {
  const commit = commitFiles(bare, 'scratch', files, message);
  gitSync(['--git-dir', bare, 'update-ref', ref, commit]);
  gitSync(['--git-dir', bare, 'update-ref', '-d', 'refs/heads/scratch']);
  return commit;
}

describe('staged changes', () => {
  it("carries another node's staged change onto the branch, with its author and message, exactly once", async () => {
    const bare = createBareRepo(grid.repos(), 'carry.git');
    const a = await node('carry.git', 'i-aaaa0001');
    const b = await node('carry.git', 'i-bbbb0002');
    expect((await a.run(['state', 'set', 'setup'])).code).toBe(0);

    // B's change reaches its staged ref, but the branch refuses B's push (as if B were killed after staging).
    refuseRefs(bare, 'refs/heads/*', 'branch closed for a moment');
    const staged = await b.run(['state', 'set', 'setup']);
    expect(staged.code).toBe(0);
    expect(staged.stderr).toContain('pending: presence:origin (1 event)');
    expect(gitSync(['--git-dir', bare, 'for-each-ref', '--format=%(refname)', 'refs/nodegrid/']).split('\n')).toContain('refs/nodegrid/staged/main/i-bbbb0002');
    expect(remoteFile(bare, 'main', doc('i-bbbb0002'))).toBeUndefined();
    allowAll(bare);

    // A's next delivery carries B's change with its own.
    expect((await a.run(['state', 'set', 'initdone'])).code).toBe(0);
    expect(remoteFile(bare, 'main', doc('i-bbbb0002'))).toBe(expectedDocument(b));
    expect(remoteFile(bare, 'main', doc('i-aaaa0001'))).toBe(expectedDocument(a));
    expect(log(a)).toMatch(/pushed 1 commit with 1 other node's staged changes on main/);
    const bCommit = gitSync(['--git-dir', bare, 'log', '-1', '--format=%an <%ae>|%s', 'main', '--', doc('i-bbbb0002')]).trim();
    expect(bCommit).toBe('nodegrid <nodegrid@i-bbbb0002>|i-bbbb0002:fed1/db1: none -> setup');

    // B finds its change there and does not commit it again.
    const flushed = await b.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(pendingPresenceEvents(b)).toEqual([]);
    expect(remoteSubjects(bare, 'main', doc('i-bbbb0002'))).toEqual(['i-bbbb0002:fed1/db1: none -> setup']);
    // Each node's changes in its own order; across nodes the fold orders by commit time, in whole seconds (ties by node id).
    expect(remoteSubjects(bare, 'main', doc('i-aaaa0001'))).toEqual(['i-aaaa0001:fed1/db1: none -> setup', 'i-aaaa0001:fed1/db1: setup -> initdone']);
    expect(remoteSubjects(bare, 'main').sort()).toEqual(['i-aaaa0001:fed1/db1: none -> setup', 'i-aaaa0001:fed1/db1: setup -> initdone', 'i-bbbb0002:fed1/db1: none -> setup']);
    expect(mergeCommits(bare, 'main')).toEqual([]);
  });

  it('delivers straight to the branch when the host refuses refs/nodegrid/, says so once, and stops offering the ref', async () => {
    const bare = createBareRepo(grid.repos(), 'no-custom-refs.git');
    refuseRefs(bare, 'refs/nodegrid/*', 'only branches and tags here');
    const n = await node('no-custom-refs.git', 'i-cccc0003');
    for (const state of ['setup', 'initdone', 'running']) expect((await n.run(['state', 'set', state])).code).toBe(0);

    expect(remoteSubjects(bare, 'main')).toEqual(['i-cccc0003:fed1/db1: none -> setup', 'i-cccc0003:fed1/db1: setup -> initdone', 'i-cccc0003:fed1/db1: initdone -> running']);
    expect(remoteFile(bare, 'main', doc('i-cccc0003'))).toBe(expectedDocument(n));
    expect(gitSync(['--git-dir', bare, 'for-each-ref', 'refs/nodegrid/'])).toBe('');
    const refusals = log(n).split('\n').filter((line) => line.includes('the remote refuses refs/nodegrid/staged/main/i-cccc0003'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('delivering straight to main for a day');
    expect(pendingPresenceEvents(n)).toEqual([]);
  });

  it("takes only a staged ref's own paths: a node cannot write another node's document through its staged ref", async () => {
    const bare = createBareRepo(grid.repos(), 'hostile-staged.git');
    const a = await node('hostile-staged.git', 'i-dddd0004');
    expect((await a.run(['state', 'set', 'setup'])).code).toBe(0);
    const before = remoteFile(bare, 'main', doc('i-dddd0004'));

    const own = '{\n    "filetype": "nodepresence",\n    "value": {\n        "instance-id": "i-evil",\n        "state": "running"\n    }\n}\n';
    stageByHand(bare, 'refs/nodegrid/staged/main/i-evil', { [doc('i-evil')]: own, [doc('i-dddd0004')]: '{"value":{"state":"wedged"}}\n', 'README.md': 'owned\n' }, 'i-evil: none -> running');

    expect((await a.run(['state', 'set', 'initdone'])).code).toBe(0);
    expect(remoteFile(bare, 'main', doc('i-evil'))).toBe(own);
    expect(remoteFile(bare, 'main', doc('i-dddd0004'))).toBe(expectedDocument(a));
    expect(remoteFile(bare, 'main', doc('i-dddd0004'))).not.toBe(before);
    expect(remoteFile(bare, 'main', 'README.md')).toBeUndefined();
    expect(log(a)).toContain(`left out ${doc('i-dddd0004')} in`);
    expect(log(a)).toContain('not a path node i-evil may write');
    expect(gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main']).split('\n').filter(Boolean).sort()).toEqual([doc('i-dddd0004'), doc('i-evil')]);
  });
});
