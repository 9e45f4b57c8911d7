import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectReader } from '../../../src/git/object-reader';
import { writeLooseObject } from '../../../src/git/objects';
import { TreeCache } from '../../../src/git/tree-cache';
import { foldChanges, readChain } from '../../../src/presence/git/fold';
import type { PlannedRun } from '../../../src/presence/git/plan';
import { buildStaged, listSeen } from '../../../src/presence/git/staging';
import { createBareRepo, gitSync } from '../../helpers/git-server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-fold-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const docPath = (id: string): string => `it/presence/all/${id}.json`;
const run = (id: string, states: string[]): PlannedRun => ({
  branch: 'main',
  changes: states.length,
  commits: states.map((state) => ({ files: [{ path: docPath(id), content: `{"state":"${state}"}\n` }], message: `${id}: -> ${state}`, statelog: `${state};` })),
});

async function stage(gitDir: string, id: string, states: string[], time: number, parent?: string): Promise<string> {
  const staged = await buildStaged(run(id, states), parent, { name: 'nodegrid', email: `nodegrid@${id}` }, time, () => Promise.resolve(false));
  for (const object of staged.objects) writeLooseObject(gitDir, object);
  return staged.head!;
}

describe('folding staged changes', () => {
  it('replays every uncarried change in time order, one commit each with its own author, and makes the same commits twice', async () => {
    const gitDir = createBareRepo(dir, 'order.git');
    const a = await stage(gitDir, 'i-a', ['setup', 'initdone'], 1000);
    const b = await stage(gitDir, 'i-b', ['setup'], 999);
    const reader = new ObjectReader(gitDir);
    try {
      const trees = new TreeCache(reader);
      const chains = [(await readChain(reader, trees, 'i-a', a, undefined)).changes, (await readChain(reader, trees, 'i-b', b, undefined)).changes];
      expect(chains.map((chain) => chain.length)).toEqual([2, 1]);
      const folded = await foldChanges(trees, undefined, chains);
      const again = await foldChanges(new TreeCache(reader), undefined, chains);
      expect(again.head).toBe(folded.head);
      expect(folded).toMatchObject({ made: 3, nodes: 2 });
      for (const object of folded.objects) writeLooseObject(gitDir, object);
      gitSync(['--git-dir', gitDir, 'update-ref', 'refs/heads/main', folded.head!]);

      expect(gitSync(['--git-dir', gitDir, 'log', '--reverse', '--format=%s|%ae|%at', 'main']).trim().split('\n')).toEqual([
        'i-b: -> setup|nodegrid@i-b|999',
        'i-a: -> setup|nodegrid@i-a|1000',
        'i-a: -> initdone|nodegrid@i-a|1000',
      ]);
      expect(gitSync(['--git-dir', gitDir, 'show', `main:${docPath('i-a')}`])).toBe('{"state":"initdone"}\n');

      // On the new tip both chains are carried: nothing is replayed again.
      const tip = { commit: folded.head!, tree: folded.tree! };
      const fresh = new TreeCache(reader);
      expect((await readChain(reader, fresh, 'i-a', a, tip.tree)).changes).toEqual([]);
      expect((await readChain(reader, fresh, 'i-b', b, tip.tree)).changes).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it('walks a chain back only to the newest change the branch carries', async () => {
    const gitDir = createBareRepo(dir, 'walk.git');
    const first = await stage(gitDir, 'i-a', ['setup'], 1000);
    const reader = new ObjectReader(gitDir);
    try {
      const trees = new TreeCache(reader);
      const folded = await foldChanges(trees, undefined, [(await readChain(reader, trees, 'i-a', first, undefined)).changes]);
      for (const object of folded.objects) writeLooseObject(gitDir, object);
      const next = await stage(gitDir, 'i-a', ['initdone', 'running'], 1001, first);
      const chain = await readChain(reader, trees, 'i-a', next, folded.tree);
      expect(chain.complete).toBe(true);
      expect(chain.changes.map((change) => change.message.trim())).toEqual(['i-a: -> initdone', 'i-a: -> running']);
    } finally {
      reader.close();
    }
  });

  it("does not replay a staged change the branch has moved past: a stale staged ref never takes a node back a state", async () => {
    const gitDir = createBareRepo(dir, 'superseded.git');
    const doc = (state: string, statelog: string, extra = ''): string => `{"filetype":"nodepresence","value":{"instance-id":"i-a","state":"${state}","statelog":"${statelog}"${extra}}}\n`;
    const staged = async (content: string, statelog: string, time: number): Promise<string> => {
      const built = await buildStaged({ branch: 'main', changes: 1, commits: [{ files: [{ path: docPath('i-a'), content }], message: 'i-a: change', statelog }] }, undefined, { name: 'nodegrid', email: 'nodegrid@i-a' }, time, () => Promise.resolve(false));
      for (const object of built.objects) writeLooseObject(gitDir, object);
      return built.head!;
    };
    const running = await staged(doc('running', 'setup:1;initdone:2;running:3;'), 'setup:1;initdone:2;running:3;', 1000);
    const draining = await staged(doc('draining', 'setup:1;initdone:2;running:3;draining:4;'), 'setup:1;initdone:2;running:3;draining:4;', 1001);
    const reader = new ObjectReader(gitDir);
    try {
      const trees = new TreeCache(reader);
      // The branch already holds draining (the node's next change), while a fetch still saw its staged ref at running.
      const onBranch = await foldChanges(trees, undefined, [(await readChain(reader, trees, 'i-a', draining, undefined)).changes]);
      for (const object of onBranch.objects) writeLooseObject(gitDir, object);
      expect((await readChain(reader, trees, 'i-a', running, onBranch.tree)).changes).toEqual([]);

      // What is not an older state of the same life is still replayed: a re-init's new statelog, and an announce of the same state.
      const reinit = await staged(doc('setup', 'setup:9;'), 'setup:9;', 1002);
      expect((await readChain(reader, trees, 'i-a', reinit, onBranch.tree)).changes).toHaveLength(1);
      const announce = await staged(doc('draining', 'setup:1;initdone:2;running:3;draining:4;', ',"hostname":"db-1"'), 'setup:1;initdone:2;running:3;draining:4;', 1003);
      expect((await readChain(reader, trees, 'i-a', announce, onBranch.tree)).changes).toHaveLength(1);
    } finally {
      reader.close();
    }
  });

  it('lists staged tips from loose refs and packed-refs, and leaves out names that are not node ids', () => {
    const gitDir = createBareRepo(dir, 'seen.git');
    const sha = 'a'.repeat(40);
    fs.mkdirSync(path.join(gitDir, 'refs/nodegrid/seen/main'), { recursive: true });
    fs.writeFileSync(path.join(gitDir, 'refs/nodegrid/seen/main/i-loose'), `${sha}\n`);
    fs.writeFileSync(path.join(gitDir, 'refs/nodegrid/seen/main/i-bad'), 'not a sha\n');
    fs.writeFileSync(path.join(gitDir, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${'b'.repeat(40)} refs/nodegrid/seen/main/i-packed\n${'c'.repeat(40)} refs/nodegrid/seen/main/x/y\n${'d'.repeat(40)} refs/nodegrid/seen/other/i-elsewhere\n`);
    expect(Object.fromEntries(listSeen(gitDir, 'main'))).toEqual({ 'i-loose': sha, 'i-packed': 'b'.repeat(40) });
  });
});
