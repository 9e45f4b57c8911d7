import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { expectedDocument, mergeCommits, pendingPresenceEvents, remoteFile, remoteSubjects } from '../helpers/presence';

/**
 * The lost-update race of the original ("git pull; git push; git pull; git push"):
 * 20 node processes each make 5 state changes at once, released together by a
 * barrier, pushing to one repository. Every change must land, in order, with no merge.
 */
const NODES = 20;
const STATES = ['setup', 'initdone', 'running', 'draining', 'drained'];

const grid = useGitDaemon<TestNode>();

interface NodeRun {
  node: TestNode;
  id: string;
  code: number | null;
  output: string;
}

async function collide(url: string): Promise<NodeRun[]> {
  const barrier = path.join(grid.repos(), `barrier-${Date.now()}`);
  const runs: NodeRun[] = [];
  for (let i = 0; i < NODES; i++) {
    const node = makeTestNode('nodegrid-contention-');
    grid.track(node);
    const id = `node-${String(i).padStart(2, '0')}`;
    // The defaults an init script gets: each state set tries for 10 s, then leaves the rest queued for the next one.
    node.writeConfig({ presence: { remote: url } });
    fs.mkdirSync(node.nodeinfo, { recursive: true });
    for (const [file, value] of [['instance-id', id], ['deployment', 'fed1'], ['nodepart', `part${i}`]]) fs.writeFileSync(path.join(node.nodeinfo, `${file}.txt`), `${value}\n`);
    runs.push({ node, id, code: null, output: '' });
  }
  // Each node is one shell that waits at the barrier, then makes its 5 changes in a row.
  // Each node ends as a tick would: delivering what is still queued.
  const script = `while [ ! -e "$BARRIER" ]; do sleep 0.02; done; for s in ${STATES.join(' ')}; do "$NODE" "$BIN" state set "$s" || exit 1; done; "$NODE" "$BIN" outbox flush --wait 300 >/dev/null || exit 1`;
  const exits = runs.map(
    (run) =>
      new Promise<void>((resolve) => {
        const child = spawn('/bin/sh', ['-c', script], {
          env: { ...cleanEnv(), ...run.node.env, BARRIER: barrier, NODE: process.execPath, BIN: nodegridBin() },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
        // A hang guard only, far above what a busy 2-core machine needs.
        const timer = setTimeout(() => child.kill('SIGKILL'), 560_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          run.code = code;
          resolve();
        });
      }),
  );
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync(barrier, '');
  await Promise.all(exits);
  return runs;
}

function assertEveryChangeLanded(bare: string, runs: NodeRun[]): void {
  for (const run of runs) expect({ id: run.id, code: run.code, output: run.output.includes('error') ? run.output : '' }).toEqual({ id: run.id, code: 0, output: '' });
  for (const run of runs) expect(pendingPresenceEvents(run.node), run.id).toEqual([]);
  const froms = ['none', ...STATES.slice(0, -1)];
  for (const [i, run] of runs.entries()) {
    const doc = `it/presence/all/${run.id}.json`;
    expect(remoteSubjects(bare, 'main', doc), run.id).toEqual(STATES.map((s, k) => `${run.id}:fed1/part${i}: ${froms[k]} -> ${s}`));
    expect(remoteFile(bare, 'main', doc), run.id).toBe(expectedDocument(run.node));
  }
  expect(remoteSubjects(bare, 'main')).toHaveLength(NODES * STATES.length);
  expect(mergeCommits(bare, 'main')).toEqual([]);
  const logs = runs.map((run) => run.node.read('home/log/nodegrid.log') ?? '');
  // They really collided: pushes were rejected and retried on the new tip.
  const retries = logs.reduce((sum, log) => sum + (log.match(/push rejected because the branch moved/g) ?? []).length, 0);
  expect(retries).toBeGreaterThan(0);
  // One clone per node, made once and reused for all five deliveries.
  for (const [i, log] of logs.entries()) expect((log.match(/created the presence clone/g) ?? []).length, runs[i]!.id).toBe(1);
}

describe('20 nodes x 5 state changes at once', () => {
  it('lands all 100 changes through git daemon, in order per node, with no merge commit', { timeout: 600_000 }, async () => {
    const bare = createBareRepo(grid.repos(), 'grid.git');
    const runs = await collide(grid.daemon().url('grid.git'));
    assertEveryChangeLanded(bare, runs);
    expect(gitSync(['--git-dir', bare, 'rev-list', '--count', 'main']).trim()).toBe('100');
  });

  it('lands all 100 changes through a local bare repository, in order per node, with no merge commit', { timeout: 600_000 }, async () => {
    const bare = createBareRepo(grid.repos(), 'local.git');
    const runs = await collide(bare);
    assertEveryChangeLanded(bare, runs);
  });
});
