import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { commitFiles, createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { expectedDocument, presenceNode, remoteFile } from '../helpers/presence';

/**
 * Labels (presence.labels and labels.txt) through a real git daemon to the
 * document and back out through -l in nodes, find and wait; and
 * `presence forget` removing retired nodes' documents for good, their history kept.
 */
const git = useGitDaemon<TestNode>();

const OLD_RETIRED = 'i-0ld0ld';
const oldDocument = `${JSON.stringify(
  {
    filetype: 'nodepresence',
    value: { deployment: 'fed1', 'instance-id': OLD_RETIRED, nodepart: 'db1', stacktype: 'lad1', state: 'decommissioned', statelog: 'setup:20151008-174646;decommissioned:20151009-120000;', statetss: '20151009-120000' },
  },
  null,
  4,
)}\n`;

async function ok(node: TestNode, args: string[]): Promise<string> {
  const r = await node.run(args, { timeoutMs: 60_000 });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const ids = (stdout: string): string[] => (JSON.parse(stdout) as Array<{ id: string }>).map((n) => n.id).sort();
const stagedRefs = (bare: string): string => gitSync(['--git-dir', bare, 'for-each-ref', '--format=%(refname)', 'refs/nodegrid/']);

describe('labels and forget against a git daemon', () => {
  it('publishes labels from config and labels.txt, selects by them, refuses bad lines, and forgets retired nodes for good', async () => {
    const bare = createBareRepo(git.repos(), 'presence.git');
    // A node retired long ago, written the way the original would have.
    commitFiles(bare, 'main', { [`it/presence/all/${OLD_RETIRED}.json`]: oldDocument }, `${OLD_RETIRED}:fed1/db1: setup -> decommissioned`);
    const url = git.daemon().url('presence.git');

    const primary = git.track(await presenceNode(url, 'i-primary', { labels: { env: 'prod', tier: 'db' } }));
    fs.writeFileSync(path.join(primary.nodeinfo, 'labels.txt'), '# from the launch template\ntier=primary\nteam.acme.io/owner=dba\n\nempty=\n');
    const plain = git.track(await presenceNode(url, 'i-plain'));
    for (const node of [primary, plain]) {
      await ok(node, ['state', 'set', 'setup']);
      await ok(node, ['state', 'set', 'initdone']);
    }

    // Labels under value.labels, labels.txt winning key by key; a node without labels keeps the original bytes.
    const doc = JSON.parse(remoteFile(bare, 'main', 'it/presence/all/i-primary.json')!) as { value: Record<string, unknown> };
    expect(doc.value.labels).toEqual({ empty: '', env: 'prod', 'team.acme.io/owner': 'dba', tier: 'primary' });
    expect(remoteFile(bare, 'main', 'it/presence/all/i-plain.json')).toBe(expectedDocument(plain));

    const operator = git.track(makeTestNode('nodegrid-labels-operator-'));
    operator.writeConfig({ presence: { remote: url } });
    const json = JSON.parse(await ok(operator, ['nodes', '--json', '-l', 'tier=primary'])) as Array<{ id: string; labels?: Record<string, string> }>;
    expect(json.map((n) => n.id)).toEqual(['i-primary']);
    expect(json[0]!.labels?.env).toBe('prod');
    expect(ids(await ok(operator, ['nodes', '--json', '-l', '!tier']))).toEqual([OLD_RETIRED, 'i-plain']);
    expect(ids(await ok(operator, ['nodes', '--json', '-l', 'env!=prod', '--state', 'initdone']))).toEqual(['i-plain']);
    expect(ids(await ok(operator, ['nodes', '--json', '-l', 'env', '-l', 'team.acme.io/owner=dba']))).toEqual(['i-primary']);
    expect(ids(await ok(operator, ['nodes', '--json', '-l', 'env=prod,tier=db']))).toEqual([]);
    expect(await ok(operator, ['nodes', '-o', 'wide', '-l', 'env=prod'])).toMatch(/LABELS[\s\S]*empty=,env=prod,team\.acme\.io\/owner=dba,tier=primary/);
    expect((await ok(operator, ['find', '-l', 'env=prod'])).trim()).toBe('i-primary');
    const none = await operator.run(['find', '-l', 'env=staging']);
    expect(none.code).toBe(3);
    expect((await ok(operator, ['wait', '--state', 'initdone', '-l', 'tier=primary', '--timeout', '0', '--quiet'])).trim()).toBe('i-primary');

    for (const bad of ['env=(a)', 'env=prod,,tier', 'bad key=1', '-x', 'env=a b']) {
      const r = await operator.run(['nodes', '-l', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('is not a label selector');
    }

    // A bad line in labels.txt is refused naming the file and line; nothing is recorded.
    fs.writeFileSync(path.join(primary.nodeinfo, 'labels.txt'), 'tier=primary\nbad key=1\nvalue=has space\n');
    const refused = await primary.run(['state', 'set', 'running']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${path.join(primary.nodeinfo, 'labels.txt')}:2: the key "bad key" is not`);
    expect(refused.stderr).toContain('labels.txt:3: the value "has space" is not');
    expect(primary.read('nodeinfo/state.txt')?.trim()).toBe('initdone');
    // The heartbeat does not stop for it: a typo must not make a live node look dead. It warns with the
    // same words, beats, and publishes only the good lines.
    const repos = path.join(primary.root, 'gitrepo');
    fs.mkdirSync(repos);
    const beat = await primary.run(['tick', '--now', '--json'], { env: { NODEGRID_REPO_DIR: repos }, timeoutMs: 60_000 });
    expect(beat.code, beat.stderr).toBe(0);
    expect(beat.stderr).toContain('bad labels, left out of what this node publishes');
    expect(beat.stderr).toContain('labels.txt:2: the key "bad key" is not');
    expect(JSON.parse(beat.stdout)).toMatchObject({ beat: true });
    const beats = gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main', 'it/presence/flattime']).trim().split('\n');
    const last = beats.filter((file) => file.endsWith('/i-primary.json')).sort().at(-1)!;
    expect((JSON.parse(remoteFile(bare, 'main', last)!) as { value: { labels: unknown } }).value.labels).toEqual({ env: 'prod', tier: 'primary' });
    fs.writeFileSync(path.join(primary.nodeinfo, 'labels.txt'), 'tier=primary\n');

    // forget: refuses a live node, removes a retired one with its staged ref, keeps its history.
    const live = await operator.run(['presence', 'forget', 'i-plain']);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('refusing to forget a node that is not retired: i-plain is');
    expect(remoteFile(bare, 'main', 'it/presence/all/i-plain.json')).toBeDefined();

    await ok(primary, ['state', 'set', 'decommissioned', '--force']);
    expect(stagedRefs(bare)).toContain('refs/nodegrid/staged/main/i-primary');

    // --all-retired --older-than picks only the long-retired node, and --dry-run removes nothing.
    const dry = JSON.parse(await ok(operator, ['presence', 'forget', '--all-retired', '--older-than', '7d', '--dry-run', '--json'])) as { nodes: Array<{ id: string; outcome: string }> };
    expect(dry.nodes).toEqual([expect.objectContaining({ id: OLD_RETIRED, outcome: 'would-remove' })]);
    expect(remoteFile(bare, 'main', `it/presence/all/${OLD_RETIRED}.json`)).toBe(oldDocument);
    const old = JSON.parse(await ok(operator, ['presence', 'forget', '--all-retired', '--json', '--by', 'oncall'])) as { nodes: Array<{ id: string; outcome: string }> };
    expect(old.nodes).toEqual([expect.objectContaining({ id: OLD_RETIRED, outcome: 'removed' })]);
    expect(remoteFile(bare, 'main', `it/presence/all/${OLD_RETIRED}.json`)).toBeUndefined();
    expect(remoteFile(bare, 'main', 'it/presence/all/i-primary.json')).toBeDefined();

    await ok(operator, ['presence', 'forget', 'i-primary', '--by', 'oncall']);
    expect(remoteFile(bare, 'main', 'it/presence/all/i-primary.json')).toBeUndefined();
    expect(stagedRefs(bare)).not.toContain('refs/nodegrid/staged/main/i-primary');
    const subject = gitSync(['--git-dir', bare, 'log', '-1', '--format=%s', 'main']).trim();
    expect(subject).toBe('forget i-primary by oncall');

    // Another node's pushes afterwards do not fold the forgotten document back.
    await ok(plain, ['state', 'set', 'running']);
    await ok(plain, ['presence', 'push']);
    expect(remoteFile(bare, 'main', 'it/presence/all/i-primary.json')).toBeUndefined();
    expect(ids(await ok(operator, ['nodes', '--json']))).toEqual(['i-plain']);

    // The history stays: git keeps every state the node went through.
    const history = JSON.parse(await ok(operator, ['history', 'i-primary', '--json'])) as { states: Array<{ state: string }> };
    expect(history.states.map((s) => s.state)).toEqual(['setup', 'initdone', 'decommissioned']);
    const forgotten = await operator.run(['presence', 'forget', 'i-primary']);
    expect(forgotten.code).toBe(6);
  }, 240_000);
});
