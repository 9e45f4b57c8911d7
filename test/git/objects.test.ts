import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectReader } from '../../src/git/object-reader';
import { formatCommit, formatTree, hashObject, makeObject, parseTree, writeLooseObject, type TreeEntry } from '../../src/git/objects';
import { readRef, writeRef } from '../../src/git/refs';
import { setFiles } from '../../src/git/tree-edit';
import { gitSync, makeRepoRoot } from '../helpers/git-server';

/** In-process objects must be exactly what git itself writes and reads. */
const root = makeRepoRoot('nodegrid-objects-');
afterAll(() => root.remove());

function bare(name: string): string {
  const dir = path.join(root.dir, name);
  gitSync(['init', '--quiet', '--bare', dir]);
  return dir;
}

describe('git objects written in-process', () => {
  it('hashes blobs, trees and commits as git does, and git reads what we wrote', () => {
    const dir = bare('hash.git');
    const blob = makeObject('blob', '{"a": "é"}\n');
    expect(blob.sha).toBe(gitSync(['--git-dir', dir, 'hash-object', '--stdin'], { input: '{"a": "é"}\n' }).trim());
    writeLooseObject(dir, blob);
    const entries: TreeEntry[] = [
      { mode: '100644', name: Buffer.from('a.json'), sha: blob.sha },
      { mode: '100644', name: Buffer.from('b.json'), sha: blob.sha },
    ];
    const tree = makeObject('tree', formatTree(entries));
    expect(tree.sha).toBe(gitSync(['--git-dir', dir, 'mktree'], { input: `100644 blob ${blob.sha}\ta.json\n100644 blob ${blob.sha}\tb.json\n` }).trim());
    writeLooseObject(dir, tree);
    const commit = makeObject('commit', formatCommit({ tree: tree.sha, author: { name: 'n', email: 'n@x' }, time: 1444326406, message: 'i-1: none -> setup' }));
    writeLooseObject(dir, commit);
    const made = gitSync(['--git-dir', dir, 'commit-tree', tree.sha, '-m', 'i-1: none -> setup'], {
      env: { GIT_AUTHOR_NAME: 'n', GIT_AUTHOR_EMAIL: 'n@x', GIT_COMMITTER_NAME: 'n', GIT_COMMITTER_EMAIL: 'n@x', GIT_AUTHOR_DATE: '1444326406 +0000', GIT_COMMITTER_DATE: '1444326406 +0000' },
    }).trim();
    expect(commit.sha).toBe(made);
    gitSync(['--git-dir', dir, 'fsck', '--strict', '--no-dangling', commit.sha]);
    expect(gitSync(['--git-dir', dir, 'show', `${commit.sha}:b.json`])).toBe('{"a": "é"}\n');
  });

  it('sets a file deep in a tree the way git would sort it, keeping every other entry byte for byte', async () => {
    const dir = bare('edit.git');
    const index = path.join(dir, 'index-test');
    const blob = (text: string): string => gitSync(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: text }).trim();
    const base = blob('base\n');
    // "a.b" sorts before the folder "a" (compared as "a/"), which sorts before "a0": git's own order.
    for (const file of ['it/presence/all/a.b', 'it/presence/all/a0', 'it/presence/all/a/x', 'it/presence/flattime/2015/x.json', 'README']) {
      gitSync(['--git-dir', dir, 'update-index', '--add', '--cacheinfo', `100644,${base},${file}`], { env: { GIT_INDEX_FILE: index } });
    }
    const tree = gitSync(['--git-dir', dir, 'write-tree'], { env: { GIT_INDEX_FILE: index } }).trim();
    const mine = blob('mine\n');
    const reader = new ObjectReader(dir);
    try {
      const edited = await setFiles({ readTree: async (sha) => (await reader.read(sha))?.body }, tree, [
        { path: 'it/presence/all/i-1.json', blob: mine },
        { path: 'it/presence/all/a', blob: mine },
        { path: 'it/presence/flattime/2015/12/i-1.json', blob: mine },
      ]);
      for (const object of edited.objects) writeLooseObject(dir, object);
      gitSync(['--git-dir', dir, 'update-index', '--add', '--cacheinfo', `100644,${mine},it/presence/all/i-1.json`], { env: { GIT_INDEX_FILE: index } });
      gitSync(['--git-dir', dir, 'update-index', '--index-info'], { env: { GIT_INDEX_FILE: index }, input: `0 ${'0'.repeat(40)}\tit/presence/all/a/x\n` });
      gitSync(['--git-dir', dir, 'update-index', '--add', '--cacheinfo', `100644,${mine},it/presence/all/a`], { env: { GIT_INDEX_FILE: index } });
      gitSync(['--git-dir', dir, 'update-index', '--add', '--cacheinfo', `100644,${mine},it/presence/flattime/2015/12/i-1.json`], { env: { GIT_INDEX_FILE: index } });
      expect(edited.sha).toBe(gitSync(['--git-dir', dir, 'write-tree'], { env: { GIT_INDEX_FILE: index } }).trim());
      expect(edited.replaced).toEqual(['it/presence/all/a: a folder replaced by a file']);
    } finally {
      reader.close();
    }
  });

  it('carries entries git itself would refuse ("..", a symlink, a gitlink) through an edit untouched', async () => {
    const dir = bare('hostile.git');
    const good = gitSync(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: 'x\n' }).trim();
    const hostile: TreeEntry[] = [
      { mode: '100644', name: Buffer.from('..'), sha: good },
      { mode: '120000', name: Buffer.from('link.json'), sha: good },
      { mode: '160000', name: Buffer.from('sub'), sha: 'f'.repeat(40) },
      { mode: '100644', name: Buffer.from([0xff, 0xfe, 0x41]), sha: good },
    ];
    const all = makeObject('tree', formatTree(hostile));
    writeLooseObject(dir, all);
    const reader = new ObjectReader(dir);
    try {
      const edited = await setFiles({ readTree: async (sha) => (await reader.read(sha))?.body }, all.sha, [{ path: 'i-1.json', blob: good }]);
      const tree = edited.objects.find((object) => object.sha === edited.sha)!;
      const entries = parseTree(tree.body);
      expect(entries.map((entry) => entry.name.toString('latin1'))).toEqual(['..', 'i-1.json', 'link.json', 'sub', '\xff\xfeA']);
      for (const kept of hostile) expect(entries.some((entry) => entry.name.equals(kept.name) && entry.mode === kept.mode && entry.sha === kept.sha)).toBe(true);
    } finally {
      reader.close();
    }
  });
});

describe('the object reader', () => {
  it('reads many objects through one cat-file, reports missing ones, and skips a large one without holding it', async () => {
    const dir = bare('reader.git');
    const big = path.join(root.dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 0x61));
    const bigSha = gitSync(['--git-dir', dir, 'hash-object', '-w', big]).trim();
    const small = gitSync(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: 'small\n' }).trim();
    const reader = new ObjectReader(dir);
    try {
      const [a, missing, large, b] = await Promise.all([reader.read(small), reader.read('0'.repeat(40)), reader.read(bigSha, 1024), reader.read(small)]);
      expect(a?.body?.toString()).toBe('small\n');
      expect(missing).toBeUndefined();
      expect(large).toMatchObject({ sha: bigSha, type: 'blob', size: 8 * 1024 * 1024, body: undefined });
      expect(b?.sha).toBe(hashObject('blob', Buffer.from('small\n')));
    } finally {
      reader.close();
    }
  });
});

describe('refs of our own clone', () => {
  it('reads loose and packed refs, and a written ref is what git sees', () => {
    const dir = bare('refs.git');
    const sha = gitSync(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: 'r\n' }).trim();
    gitSync(['--git-dir', dir, 'update-ref', 'refs/remotes/origin/main', sha]);
    gitSync(['--git-dir', dir, 'pack-refs', '--all']);
    expect(readRef(dir, 'refs/remotes/origin/main')).toBe(sha);
    const other = gitSync(['--git-dir', dir, 'hash-object', '-w', '--stdin'], { input: 's\n' }).trim();
    writeRef(dir, 'refs/remotes/origin/main', other);
    expect(gitSync(['--git-dir', dir, 'rev-parse', 'refs/remotes/origin/main']).trim()).toBe(other);
    expect(readRef(dir, 'refs/remotes/origin/none')).toBeUndefined();
  });
});
