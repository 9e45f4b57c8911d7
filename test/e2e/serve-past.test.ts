import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtResponse, BeatsResponse } from '../../src/web/api';
import { makeTestNode, runCli, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { generatePresence } from '../helpers/grid-fixture.mjs';
import { presenceNode } from '../helpers/presence';
import { request, startServe, type ServeProcess } from '../helpers/serve';

/**
 * The dashboard's looks back, against real servers: /api/at answers what
 * `nodegrid at --json` answers (a folder and a git remote with history), and
 * /api/nodes/<id>/beats the beats of the last hour.
 */
const ID = 'i-4e7cb59a';
let root: string;
let presence: string;
let env: Record<string, string>;
let folderServe: ServeProcess;
let remoteServe: ServeProcess;
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
let writer: TestNode;
let url: string;
let setupAt: Date;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-serve-past-'));
  presence = path.join(root, 'presence');
  generatePresence(presence, { now: new Date(), mix: { alive: 2, stale: 1, retired: 1 } });
  fs.writeFileSync(path.join(root, 'config.json'), '{}\n');
  env = { NODEGRID_HOME: path.join(root, 'home'), NODEGRID_CONFIG: path.join(root, 'config.json') };

  // A remote written by a real node: setup, then (a second later) initdone.
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  createBareRepo(repos.dir, 'grid.git');
  url = daemon.url('grid.git');
  writer = await presenceNode(url, ID);
  expect((await writer.run(['state', 'set', 'setup'])).code).toBe(0);
  setupAt = new Date(Number(gitSync(['--git-dir', path.join(repos.dir, 'grid.git'), 'log', '-1', '--format=%ct', 'main']).trim()) * 1000);
  while (Math.floor(Date.now() / 1000) <= Math.floor(setupAt.getTime() / 1000)) await new Promise((r) => setTimeout(r, 20));
  expect((await writer.run(['state', 'set', 'initdone'])).code).toBe(0);

  [folderServe, remoteServe] = await Promise.all([startServe(['--presence', presence], env), startServe(['--remote', url, '--refresh', '1'], env)]);
});

afterAll(async () => {
  await Promise.all([folderServe?.stop(), remoteServe?.stop()]);
  await daemon?.stop();
  repos?.remove();
  if (writer) fs.rmSync(writer.root, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

async function at(serve: ServeProcess, time: string): Promise<AtResponse> {
  const r = await request(serve.port, `/api/at?time=${encodeURIComponent(time)}`);
  expect(r.status, r.body).toBe(200);
  expect(r.headers['content-type']).toContain('application/json');
  return JSON.parse(r.body) as AtResponse;
}

describe('nodegrid serve: /api/at, the grid at a past minute', () => {
  it('answers from a git remote what `nodegrid at --json` answers: the state committed by then, with its commit', async () => {
    const time = setupAt.toISOString();
    const served = await at(remoteServe, time);
    expect(served.nodes).toEqual([expect.objectContaining({ id: ID, state: 'setup' })]);
    expect(served.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(served.limits).toEqual([]);
    const reader = makeTestNode('nodegrid-serve-past-reader-');
    try {
      const cli = await reader.run(['at', time, '--remote', url, '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      expect(served).toEqual(JSON.parse(cli.stdout));
    } finally {
      fs.rmSync(reader.root, { recursive: true, force: true });
    }
    // An hour before, the node did not exist yet; today it is initdone.
    expect((await at(remoteServe, new Date(setupAt.getTime() - 3_600_000).toISOString())).nodes).toEqual([]);
    expect((await at(remoteServe, 'now')).nodes.map((n) => n.state)).toEqual(['initdone']);
  });

  it('on a folder, answers like `nodegrid at` and carries its limits for the page to show', async () => {
    const served = await at(folderServe, '1 minute ago');
    expect(served.limits.join(' ')).toContain('has no git history');
    expect(served.nodes.map((n) => n.id)).toEqual(['i-alive-00000', 'i-alive-00001']);
    const cli = await runCli(['at', served.minute, '--presence', presence, '--json'], { env });
    expect(cli.code, cli.stderr).toBe(0);
    expect({ ...served, time: '' }).toEqual({ ...(JSON.parse(cli.stdout) as AtResponse), time: '' });
  });

  it('refuses a missing, malformed or future time with 400 and a message that says what to send', async () => {
    const missing = await request(folderServe.port, '/api/at');
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('a time is needed: /api/at?time=2015-10-08T21:13');
    for (const bad of ['yesterday', '2015-02-30T10:00', '<script>', 'x'.repeat(500)]) {
      const r = await request(folderServe.port, `/api/at?time=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
      expect(r.headers['content-type']).toContain('text/plain');
      expect(r.body, bad).toContain('is not a time: use now, -10m');
      expect(r.body).not.toContain('x'.repeat(100));
    }
    const future = await request(folderServe.port, `/api/at?time=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.status).toBe(400);
    expect(future.body).toContain("is after the server's clock");
  });
});

describe('nodegrid serve: /api/nodes/<id>/beats, the last hour of beats', () => {
  it('lists the minutes a node beat in, within the last 60, oldest first', async () => {
    const r = await request(folderServe.port, '/api/nodes/i-alive-00000/beats');
    expect(r.status, r.body).toBe(200);
    const beats = JSON.parse(r.body) as BeatsResponse;
    expect(beats.id).toBe('i-alive-00000');
    expect(beats.minutes).toBe(60);
    // The fixture's alive nodes beat in the minute it was made and the two before.
    expect(beats.beats).toHaveLength(3);
    expect([...beats.beats].sort()).toEqual(beats.beats);
    const until = Date.parse(beats.until);
    for (const beat of beats.beats) expect(until - Date.parse(beat)).toBeLessThan(60 * 60_000);
    const stale = JSON.parse((await request(folderServe.port, '/api/nodes/i-stale-00000/beats')).body) as BeatsResponse;
    expect(stale.beats).toHaveLength(3);
    const retired = JSON.parse((await request(folderServe.port, '/api/nodes/i-retired-00000/beats')).body) as BeatsResponse;
    expect(retired.beats).toEqual([]);
  });

  it('answers from a git remote too', async () => {
    expect((await writer.run(['presence', 'heartbeat', '--force'])).code).toBe(0);
    // The server fetches on its refresh; before that the node's beat may not be there yet, so ask until it is.
    await expect
      .poll(async () => (JSON.parse((await request(remoteServe.port, `/api/nodes/${ID}/beats`)).body) as BeatsResponse).beats.length, { timeout: 15_000, interval: 300 })
      .toBe(1);
  });

  it('answers 404 for a node not in presence and 400 for an id that is not one', async () => {
    const missing = await request(folderServe.port, '/api/nodes/i-nobody/beats');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('no node i-nobody in presence');
    expect((await request(folderServe.port, `/api/nodes/${encodeURIComponent('a b')}/beats`)).status).toBe(400);
  });
});
