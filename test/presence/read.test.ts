import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { beatsInMinute, latestBeats } from '../../src/grid/heartbeats';
import { statesThroughHistory } from '../../src/grid/history';
import { readDocumentHistory } from '../../src/presence/git/history';
import { loadOneDocument, loadPresence } from '../../src/presence/read';
import { folderSource, gitSource } from '../../src/presence/source';
import { commitFiles, gitSync } from '../helpers/git-server';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-reader-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const doc = (value: Record<string, unknown>): string => `${JSON.stringify({ filetype: 'nodepresence', value }, null, 4)}\n`;

/** A presence folder with one good node, legacy nodes and hostile files from others. */
function hostileFiles(): Record<string, string> {
  return {
    'it/presence/all/i-good.json': doc({ 'instance-id': 'i-good', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', state: 'running', statetss: '20151008-175000', statelog: 'setup:20151008-174646;initdone:20151008-174830;running:20151008-175000;', hostname: 'db1.example' }),
    // The original's older documents: an extra "a" key, the "done" state, no stacktype or statelog.
    'it/presence/all/i-legacy.json': doc({ a: 'a', 'instance-id': 'i-legacy', deployment: 'fed1', nodepart: 'app1', state: 'done', statetss: '20151008-174830' }),
    'it/presence/all/i-corrupt.json': '{"filetype": "nodepresence", "value": {',
    'it/presence/all/i-huge.json': doc({ 'instance-id': 'i-huge', padding: 'x'.repeat(70 * 1024) }),
    'it/presence/all/i-liar.json': doc({ 'instance-id': 'i-good', state: 'wedged' }),
    'it/presence/all/i-odd.json': doc({ 'instance-id': 'i-odd', state: 'setup', statelog: 'setup:20151008-174646;garbage;', labels: { nested: true } }),
    'it/presence/all/bad name!.json': doc({ 'instance-id': 'x' }),
    'README.md': '# presence\n',
  };
}

function writeFolder(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
}

function expectHostileView(snapshot: Awaited<ReturnType<typeof loadPresence>>): void {
  expect(snapshot.records.map((r) => r.id)).toEqual(['i-good', 'i-legacy', 'i-odd']);
  const [good, legacy, odd] = snapshot.records;
  expect(good).toMatchObject({ deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', state: 'running', statetss: '20151008-175000', extra: { hostname: 'db1.example' }, file: 'it/presence/all/i-good.json', warnings: [] });
  expect(good!.statelog.map((e) => e.state)).toEqual(['setup', 'initdone', 'running']);
  expect(legacy).toMatchObject({ state: 'initdone', stacktype: undefined, statelog: [], extra: {} });
  // "labels" is read as labels: a value that is not label text is dropped, the document still read.
  expect(odd!.warnings).toEqual(['statelog has 1 malformed entry', '1 label was not a valid key=value (or over 64); ignored']);
  expect(odd!.labels).toEqual({});
  const problems = Object.fromEntries(snapshot.problems.map((p) => [p.file, p.message]));
  expect(problems['it/presence/all/i-corrupt.json']).toMatch(/^not valid JSON/);
  expect(problems['it/presence/all/i-huge.json']).toMatch(/^larger than 64 KB/);
  expect(problems['it/presence/all/i-liar.json']).toBe('says it is "i-good" but its file name says "i-liar"');
  expect(problems['it/presence/all/bad name!.json']).toBe('file name is not a valid instance id');
}

describe('presence reader', () => {
  it('reads a folder: legacy documents work, each hostile file is a problem of its own, symlinks are not followed', async () => {
    const root = tempDir();
    writeFolder(root, hostileFiles());
    const outside = path.join(tempDir(), 'secret.json');
    fs.writeFileSync(outside, doc({ 'instance-id': 'i-link', state: 'running' }));
    fs.symlinkSync(outside, path.join(root, 'it/presence/all/i-link.json'));
    const snapshot = await loadPresence(folderSource(root));
    expectHostileView(snapshot);
    expect(snapshot.problems.find((p) => p.file === 'it/presence/all/i-link.json')?.message).toBe('is a symlink; not followed');
  });

  it('reads the same from a source that only reads all files at once (no readEach), and from each file as read', async () => {
    const root = tempDir();
    writeFolder(root, hostileFiles());
    const folder = folderSource(root);
    expect(typeof folder.readEach).toBe('function');
    // A source as an object store gives one: list and readMany only.
    const allAtOnce = { description: folder.description, list: folder.list.bind(folder), readMany: folder.readMany.bind(folder) };
    const asRead = await loadPresence(folder);
    expectHostileView(asRead);
    expect(await loadPresence(allAtOnce)).toEqual(asRead);
    // Each file's bytes are its own, though the folder reads them all into one buffer.
    const texts: string[] = [];
    await folder.readEach!(['it/presence/all/i-good.json', 'it/presence/all/i-legacy.json', 'it/presence/all/i-gone.json'], (file, bytes) => texts.push(`${file}:${bytes?.toString('utf8').length}`));
    const lengths = ['i-good', 'i-legacy'].map((id) => fs.readFileSync(path.join(root, `it/presence/all/${id}.json`), 'utf8').length);
    expect(texts).toEqual([`it/presence/all/i-good.json:${lengths[0]}`, `it/presence/all/i-legacy.json:${lengths[1]}`, 'it/presence/all/i-gone.json:undefined']);
  });

  it('does not follow a presence folder that is itself a symlink', async () => {
    const real = tempDir();
    writeFolder(real, { 'it/presence/all/i-x.json': doc({ 'instance-id': 'i-x' }) });
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'it/presence'), { recursive: true });
    fs.symlinkSync(path.join(real, 'it/presence/all'), path.join(root, 'it/presence/all'));
    expect((await loadPresence(folderSource(root))).records).toEqual([]);
  });

  it('reads the same from a ref of a bare git repository, symlink entries included', async () => {
    const bare = path.join(tempDir(), 'p.git');
    gitSync(['init', '--quiet', '--bare', bare]);
    const commit = commitFiles(bare, 'main', hostileFiles(), 'hostile');
    // A symlink committed into the repository (mode 120000).
    const index = path.join(bare, 'idx');
    const link = gitSync(['--git-dir', bare, 'hash-object', '-w', '--stdin'], { input: '/etc/passwd' }).trim();
    gitSync(['--git-dir', bare, 'read-tree', commit], { env: { GIT_INDEX_FILE: index } });
    gitSync(['--git-dir', bare, 'update-index', '--add', '--cacheinfo', `120000,${link},it/presence/all/i-link.json`], { env: { GIT_INDEX_FILE: index } });
    const tree = gitSync(['--git-dir', bare, 'write-tree'], { env: { GIT_INDEX_FILE: index } }).trim();
    gitSync(['--git-dir', bare, 'update-ref', 'refs/heads/main', gitSync(['--git-dir', bare, 'commit-tree', tree, '-p', commit, '-m', 'link']).trim()]);

    const snapshot = await loadPresence(gitSource(bare, 'main'));
    expectHostileView(snapshot);
    expect(snapshot.problems.find((p) => p.file === 'it/presence/all/i-link.json')?.message).toBe('is a symlink; not followed');
  });
});

/** Documents whose strings are names of Object.prototype members, in every place a reader looks one up. */
const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
function prototypeFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'it/presence/all/i-good.json': doc({ 'instance-id': 'i-good', deployment: 'fed1', nodepart: 'db1', state: 'running', statetss: '20151008-175000' }),
    // Parts named like prototype members, and a statelog of such states.
    'it/presence/all/i-parts.json': doc({ 'instance-id': 'i-parts', deployment: '__proto__', nodepart: 'constructor', stacktype: 'toString', state: 'running', statelog: 'toString:20151008-174646;__proto__:20151008-174700;' }),
    // A "__proto__" key under "value": must not turn into the value's prototype and lend it a state.
    'it/presence/all/i-polluter.json': `{"filetype": "nodepresence", "value": {"instance-id": "i-polluter", "__proto__": {"state": "wedged", "nodepart": "db1"}}}\n`,
    // A state that is not a state name at all: markup and a terminal escape.
    'it/presence/all/i-markup.json': doc({ 'instance-id': 'i-markup', state: '<img src=x onerror=alert(1)>\u001b[2J', statelog: '<b>x</b>:20151008-174646;setup:20151008-174700;' }),
  };
  for (const name of PROTOTYPE_NAMES) {
    files[`it/presence/all/i-${name}.json`] = doc({ 'instance-id': `i-${name}`, deployment: 'fed1', nodepart: 'app1', state: name, statetss: '20151008-175000' });
    // Instance ids may spell them too.
    files[`it/presence/all/${name}.json`] = doc({ 'instance-id': name, deployment: 'fed1', nodepart: 'app1', state: 'running' });
  }
  return files;
}

describe('presence documents whose strings are Object.prototype member names', () => {
  const expectPlainText = (snapshot: Awaited<ReturnType<typeof loadPresence>>): void => {
    expect(snapshot.problems).toEqual([]);
    const byId = new Map(snapshot.records.map((r) => [r.id, r]));
    expect(byId.size).toBe(14);
    for (const name of PROTOTYPE_NAMES) {
      expect(byId.get(`i-${name}`)?.state).toBe(name);
      expect(byId.get(name)).toMatchObject({ id: name, state: 'running' });
    }
    expect(byId.get('i-parts')).toMatchObject({ deployment: '__proto__', nodepart: 'constructor', stacktype: 'toString', state: 'running', extra: {} });
    expect(byId.get('i-parts')!.statelog).toEqual([
      { state: 'toString', tss: '20151008-174646' },
      { state: '__proto__', tss: '20151008-174700' },
    ]);
    expect(byId.get('i-polluter')).toMatchObject({ state: undefined, nodepart: undefined, extra: {} });
    expect(byId.get('i-markup')).toMatchObject({ state: undefined, warnings: ['"state" is not a valid state name; ignored', 'statelog has 1 malformed entry'] });
    expect(byId.get('i-markup')!.statelog).toEqual([{ state: 'setup', tss: '20151008-174700' }]);
    for (const record of snapshot.records) {
      expect(typeof (record.state ?? '')).toBe('string');
      for (const entry of record.statelog) expect(typeof entry.state).toBe('string');
    }
  };

  it('reads them as the plain text they are, from a folder and from git', async () => {
    const root = tempDir();
    writeFolder(root, prototypeFiles());
    expectPlainText(await loadPresence(folderSource(root)));
    const bare = path.join(tempDir(), 'p.git');
    gitSync(['init', '--quiet', '--bare', bare]);
    commitFiles(bare, 'main', prototypeFiles(), 'prototype names');
    expectPlainText(await loadPresence(gitSource(bare, 'main')));
  });
});

describe('one document at a time (presence show)', () => {
  it('reads it like the grid readers do, and refuses an oversized one by its listed size without reading it', async () => {
    const files = { ...prototypeFiles(), 'it/presence/all/i-huge.json': doc({ 'instance-id': 'i-huge', padding: 'x'.repeat(2 * 1024 * 1024) }) };
    const bare = path.join(tempDir(), 'one.git');
    gitSync(['init', '--quiet', '--bare', bare]);
    commitFiles(bare, 'main', files, 'one');
    const root = tempDir();
    writeFolder(root, files);
    for (const source of [gitSource(bare, 'main'), folderSource(root)]) {
      expect(await loadOneDocument(source, 'i-toString')).toMatchObject({ ok: true, record: { id: 'i-toString', state: 'toString' } });
      expect(await loadOneDocument(source, 'constructor')).toMatchObject({ ok: true, record: { id: 'constructor', state: 'running' } });
      expect(await loadOneDocument(source, 'i-huge')).toEqual({ ok: false, problem: expect.stringMatching(/^larger than 64 KB \(\d{7} bytes\)$/) });
      expect(await loadOneDocument(source, 'i-nobody')).toBeUndefined();
    }
    // git cannot read part of an object: an oversized blob is left out of a read, never read whole.
    expect([...(await gitSource(bare, 'main').readMany(['it/presence/all/i-huge.json', 'it/presence/all/i-good.json'])).keys()]).toEqual(['it/presence/all/i-good.json']);
  });
});

describe('heartbeats in flattime', () => {
  it('lists who beat in a minute and the latest beat of each node', async () => {
    const root = tempDir();
    const beat = (minute: string, id: string): string => `it/presence/flattime/${minute.slice(0, 4)}/${minute.slice(4, 6)}/${minute.slice(6, 8)}/${minute.slice(8, 10)}/${minute}/all/${id}.json`;
    writeFolder(root, {
      [beat('201510082113', 'i-a')]: doc({ 'instance-id': 'i-a' }),
      [beat('201510082113', 'i-b')]: doc({ 'instance-id': 'i-b' }),
      [beat('201510082114', 'i-a')]: doc({ 'instance-id': 'i-a' }),
      [beat('201510082059', 'i-c')]: doc({ 'instance-id': 'i-c' }),
      // A beat filed under the wrong hour folder is not counted.
      ['it/presence/flattime/2015/10/08/22/201510082115/all/i-b.json']: doc({ 'instance-id': 'i-b' }),
    });
    const source = folderSource(root);
    expect(await beatsInMinute(source, '201510082113')).toEqual(['i-a', 'i-b']);
    expect(await beatsInMinute(source, '201510082115')).toEqual([]);
    expect(Object.fromEntries(await latestBeats(source))).toEqual({ 'i-a': '201510082114', 'i-b': '201510082113', 'i-c': '201510082059' });
    expect(Object.fromEntries(await latestBeats(source, { now: new Date('2015-10-08T21:30:00Z'), hoursBack: 0 }))).toEqual({ 'i-a': '201510082114', 'i-b': '201510082113' });
  });
});

describe('document history', () => {
  it('lists every state a node went through, with commit times, including states that fell out of the statelog', async () => {
    const bare = path.join(tempDir(), 'h.git');
    gitSync(['init', '--quiet', '--bare', bare]);
    const file = 'it/presence/all/i-h.json';
    let parent: string | undefined;
    const versions: Array<Record<string, string>> = [
      { state: 'setup', statetss: '20151008-174646', statelog: 'setup:20151008-174646;' },
      { state: 'initdone', statetss: '20151008-174830', statelog: 'setup:20151008-174646;initdone:20151008-174830;' },
      // The node was re-initialised: its statelog starts over.
      { state: 'setup', statetss: '20151009-090000', statelog: 'setup:20151009-090000;' },
    ];
    versions.forEach((v, i) => {
      parent = commitFiles(bare, 'main', { [file]: doc({ 'instance-id': 'i-h', ...v }), 'other.txt': `${i}` }, `change ${i}`, parent);
    });
    // A commit that touches only another node's file is not part of this node's history.
    commitFiles(bare, 'main', { [file]: doc({ 'instance-id': 'i-h', ...versions[2] }), 'other.txt': 'x' }, 'unrelated', parent);

    const history = await readDocumentHistory(bare, 'i-h', { ref: 'main' });
    expect(history.map((v) => v.subject)).toEqual(['change 0', 'change 1', 'change 2']);
    expect(history.every((v) => v.committedAt instanceof Date && !Number.isNaN(v.committedAt.getTime()))).toBe(true);
    expect(statesThroughHistory(history).map((s) => `${s.state}:${s.tss}`)).toEqual(['setup:20151008-174646', 'initdone:20151008-174830', 'setup:20151009-090000']);
    expect(statesThroughHistory(history)[1]!.commit).toBe(history[1]!.commit);
  });

  it('names an oversized version of a document without reading it, and reads the others', async () => {
    const bare = path.join(tempDir(), 'big.git');
    gitSync(['init', '--quiet', '--bare', bare]);
    const file = 'it/presence/all/i-b.json';
    let parent = commitFiles(bare, 'main', { [file]: doc({ 'instance-id': 'i-b', state: 'setup', statetss: '20151008-174646' }) }, 'setup');
    parent = commitFiles(bare, 'main', { [file]: doc({ 'instance-id': 'i-b', state: 'toString', padding: 'x'.repeat(1024 * 1024) }) }, 'huge', parent);
    commitFiles(bare, 'main', { [file]: doc({ 'instance-id': 'i-b', state: 'constructor', statetss: '20151008-180000' }) }, 'back', parent);
    const history = await readDocumentHistory(bare, 'i-b', { ref: 'main' });
    expect(history.map((v) => v.record?.state ?? v.problem)).toEqual(['setup', expect.stringMatching(/^larger than 64 KB \(\d+ bytes\)$/), 'constructor']);
    expect(statesThroughHistory(history).map((s) => s.state)).toEqual(['setup', 'constructor']);
  });
});
