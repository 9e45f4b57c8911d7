import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { remoteFile, remoteSubjects } from '../helpers/presence';
import { readOrEmpty } from '../helpers/node-files';

/**
 * `nodegrid request` written by one process, answered by the node's own tick,
 * through a real git daemon: exactly once across ticks, with who asked in the
 * node's state note and the outcome beside the request.
 */
const ID = 'i-0d7a1e5e';
const git = useGitDaemon<TestNode>();

const requestFiles = (bare: string): string[] => {
  try {
    return gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main', 'it/presence/requests/']).split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

async function runningNode(url: string, presence: Record<string, unknown> = {}): Promise<TestNode> {
  const n = git.track(makeTestNode('nodegrid-requests-'));
  const repos = path.join(n.root, 'gitrepo');
  fs.mkdirSync(repos);
  const ran = path.join(n.root, 'ran');
  // A drain script in the node's config repo: it must run once, whatever the number of ticks.
  const config = path.join(repos, 'config');
  fs.mkdirSync(path.join(config, 'bin/nodework/common'), { recursive: true });
  fs.writeFileSync(path.join(config, 'bin/nodework/common/drain.sh'), `#!/bin/sh\necho drained >> '${ran}'\n`, { mode: 0o755 });
  gitSync(['init', '-q', '-b', 'main'], { cwd: config });
  gitSync(['add', '-A'], { cwd: config });
  gitSync(['commit', '-q', '-m', 'scripts'], { cwd: config });
  n.writeConfig({ presence: { remote: url, ...presence }, heartbeat: { repoDir: repos }, outbox: { waitSeconds: 30 } });
  for (const args of [['init', '--id', ID, '--deployment', 'fed1', '--nodepart', 'app1', '--initgitrepo', 'config'], ['state', 'set', 'setup'], ['state', 'set', 'initdone'], ['state', 'set', 'running']]) {
    const r = await n.run(args);
    expect(r.code, r.stderr).toBe(0);
  }
  return n;
}

function operator(url: string): TestNode {
  const o = git.track(makeTestNode('nodegrid-operator-'));
  o.writeConfig({ presence: { remote: url } });
  return o;
}

const stateOf = (n: TestNode): string => readOrEmpty(path.join(n.nodeinfo, 'state.txt')).trim();
const tick = async (n: TestNode) => {
  const r = await n.run(['tick', '--now', '--json'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { requests: Array<{ id: string; action: string; by: string; outcome: string; note: string; acted: boolean; published: boolean }> };
};

describe('nodegrid request', () => {
  it('asks a node to drain through presence; its next tick acts once, says who asked, and writes the outcome beside the request', async () => {
    const bare = createBareRepo(git.repos(), 'presence.git');
    const url = git.daemon().url('presence.git');
    // Beats on their own branch: the tick fetches presence.branch itself to see requests.
    const node = await runningNode(url, { heartbeat: { branch: 'heartbeats' } });
    expect((await tick(node)).requests).toEqual([]);

    const ops = operator(url);
    const asked = await ops.run(['request', 'drain', ID, '--note', 'scale-in', '--deadline', '5m', '--by', 'alice@ops', '--json']);
    expect(asked.code, asked.stderr).toBe(0);
    const request = JSON.parse(asked.stdout) as { id: string };
    expect(request.id).toMatch(/^\d{8}T\d{6}Z-drain-[0-9a-f]{6}$/);
    expect(requestFiles(bare)).toEqual([`it/presence/requests/${ID}/${request.id}.json`]);
    expect(JSON.parse(remoteFile(bare, 'main', `it/presence/requests/${ID}/${request.id}.json`)!)).toEqual({
      filetype: 'nodegridrequest',
      value: { id: request.id, node: ID, action: 'drain', by: 'alice@ops', at: expect.any(String), note: 'scale-in', deadlineSeconds: 300 },
    });
    expect(remoteSubjects(bare, 'main').at(-1)).toBe(`${ID}: drain requested by alice@ops`);
    const open = await ops.run(['requests', '--open', '--remote', url, '--json']);
    expect((JSON.parse(open.stdout) as Array<{ request: { id: string }; outcome?: unknown }>).map((s) => [s.request.id, s.outcome])).toEqual([[request.id, undefined]]);

    const answered = await tick(node);
    expect(answered.requests).toEqual([{ id: request.id, action: 'drain', by: 'alice@ops', outcome: 'done', note: expect.stringMatching(/^drained in \d+ s$/), acted: true, published: true }]);
    expect(stateOf(node)).toBe('drained');
    expect(readOrEmpty(path.join(node.root, 'ran'))).toBe('drained\n');
    // Who asked is in the node's own document and history, so chat and `history` say it too.
    const doc = JSON.parse(remoteFile(bare, 'main', `it/presence/all/${ID}.json`)!) as { value: { state: string } };
    expect(doc.value.state).toBe('drained');
    expect(remoteSubjects(bare, 'main', `it/presence/all/${ID}.json`)).toContain(`${ID}:fed1/app1: running -> draining`);
    const draining = gitSync(['--git-dir', bare, 'log', '--format=%B', '-1', '--grep', 'running -> draining', 'main']);
    expect(draining).toContain(`drain requested by alice@ops: scale-in (request ${request.id})`);
    expect(JSON.parse(remoteFile(bare, 'main', `it/presence/requests/${ID}/${request.id}.outcome.json`)!)).toMatchObject({ value: { request: request.id, node: ID, outcome: 'done', state: 'drained' } });

    // The next beat finds the outcome in presence: nothing is done twice.
    expect((await tick(node)).requests).toEqual([]);
    expect(readOrEmpty(path.join(node.root, 'ran'))).toBe('drained\n');
    const all = await ops.run(['requests', '--remote', url]);
    expect(all.stdout).toMatch(new RegExp(`${request.id}  ${ID}  drain\\s+by alice@ops within 5 min \\(scale-in\\): done .*, now drained: drained in \\d+ s`));

    // undrain from drained: the lifecycle has no drained -> running edge, so the node refuses, and says why.
    const back = JSON.parse((await ops.run(['request', 'undrain', ID, '--by', 'bob@ops', '--json'])).stdout) as { id: string };
    const refused = await tick(node);
    expect(refused.requests).toEqual([expect.objectContaining({ id: back.id, outcome: 'refused', note: expect.stringContaining('drained') })]);
    expect(stateOf(node)).toBe('drained');
  });

  it('keeps answering once when the outcome cannot be written: acted on once, the outcome written on a later beat', async () => {
    const bare = createBareRepo(git.repos(), 'flaky.git');
    const url = git.daemon().url('flaky.git');
    const node = await runningNode(url);
    await tick(node);
    const ops = operator(url);
    const request = JSON.parse((await ops.run(['request', 'drain', ID, '--json'])).stdout) as { id: string };
    // The server refuses every push for one beat: the drain happens, its outcome waits.
    const hook = path.join(bare, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "maintenance" >&2\nexit 1\n', { mode: 0o755 });
    const first = await tick(node);
    expect(first.requests).toEqual([expect.objectContaining({ id: request.id, outcome: 'done', acted: true, published: false })]);
    fs.rmSync(hook);
    const second = await tick(node);
    expect(second.requests).toEqual([expect.objectContaining({ id: request.id, outcome: 'done', acted: false, published: true })]);
    expect(readOrEmpty(path.join(node.root, 'ran'))).toBe('drained\n');
    expect(remoteFile(bare, 'main', `it/presence/requests/${ID}/${request.id}.outcome.json`)).toBeDefined();
  });

  it('refuses bad input before writing anything', async () => {
    const bare = createBareRepo(git.repos(), 'strict.git');
    const url = git.daemon().url('strict.git');
    const ops = operator(url);
    const cases: Array<[string[], RegExp]> = [
      [['request', 'reboot', ID], /unknown request "reboot": ask for one of drain, decommission, undrain/],
      [['request', 'drain', '../etc'], /the id "\.\.\/etc" is not valid/],
      [['request', 'drain', ID, '--deadline', 'soon'], /--deadline "soon" is not a duration/],
      [['request', 'drain', ID, '--by', 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB'], /--by .* is not a name/],
    ];
    for (const [args, message] of cases) {
      const r = await ops.run(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('ghp_0123456789');
    }
    expect(requestFiles(bare)).toEqual([]);
    const none = await ops.run(['requests', '--id', 'nope/../x']);
    expect(none.code).toBe(2);
  });
});
