import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/s3/objects';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { startCephRgw, type CephRgw } from '../helpers/ceph-rgw.mjs';
import { commitFiles, createBareRepo, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { generatePresence, writeBeat } from '../helpers/grid-fixture.mjs';
import { createBucket, s3Env, testS3Client } from '../helpers/s3';
import { hasTool } from '../helpers/tools';

const withCeph = hasTool('ceph', import.meta.filename);

/**
 * The same generated grid (hostile files included) in a git repository behind
 * git daemon and in a Ceph RGW bucket: every reader command must give the same
 * answer on both, because they read through the same PresenceSource interface.
 */
const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
const NOW = ['--now', now.toISOString()];

let rgw: CephRgw;
let sdk: S3Client;
let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
let gitNode: TestNode;
let s3Node: TestNode;

beforeAll(async () => {
  if (!withCeph) return;
  rgw = await startCephRgw();
  sdk = testS3Client(rgw);
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  const folder = fs.mkdtempSync(path.join(repos.dir, 'grid-'));
  generatePresence(folder, { now, mix: { alive: 30, stale: 3, zombie: 2, wedged: 2, retired: 2 }, nodeparts: ['db1', 'app1'], hostile: true });
  // A node last heard of three hours ago: the S3 scan must go back that far, as git's tree read does.
  writeBeat(folder, 'i-retired-00001', new Date(now.getTime() - 180 * 60_000));
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(folder, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(folder);
  // What the S3 sink writes with each state change, so `history` has the same witnesses in both.
  for (const [file, text] of Object.entries(files)) {
    const id = /^it\/presence\/all\/(i-[a-z]+-\d{5})\.json$/.exec(file)?.[1];
    if (id) files[`it/presence/history/${id}/000000000001.json`] = text;
  }
  const bare = createBareRepo(repos.dir, 'grid.git');
  commitFiles(bare, 'main', Object.fromEntries(Object.entries(files).filter(([f]) => !f.startsWith('it/presence/history/'))), 'the generated grid');
  const bucket = await createBucket(sdk);
  await mapLimit(Object.entries(files), 16, ([key, body]) => sdk.send(new PutObjectCommand({ Bucket: bucket, Key: `grid/${key}`, Body: body })));

  gitNode = makeTestNode('nodegrid-backend-git-');
  gitNode.writeConfig({ presence: { remote: daemon.url('grid.git') } });
  s3Node = makeTestNode('nodegrid-backend-s3-');
  s3Node.writeConfig({ presence: { backend: 's3', s3: { bucket, prefix: 'grid/', endpoint: rgw.endpoint } } });
}, 180_000);
afterAll(async () => {
  if (!withCeph) return;
  sdk?.destroy();
  await rgw?.stop();
  await daemon?.stop();
  repos?.remove();
  for (const n of [gitNode, s3Node]) if (n) fs.rmSync(n.root, { recursive: true, force: true });
});

async function both(args: string[]): Promise<[{ code: number | null; stdout: string; stderr: string }, { code: number | null; stdout: string; stderr: string }]> {
  return Promise.all([gitNode.run(args), s3Node.run(args, { env: s3Env(rgw) })]);
}

describe.runIf(withCeph)('the same grid on git and on S3', () => {
  it('nodes --json: the same nodes, states, heartbeats and health, and the same hostile files skipped', async () => {
    const [git, s3] = await both(['nodes', '--json', ...NOW]);
    expect(git.code, git.stderr).toBe(0);
    expect(s3.code, s3.stderr).toBe(0);
    expect(JSON.parse(s3.stdout)).toEqual(JSON.parse(git.stdout));
    const list = JSON.parse(git.stdout) as Array<{ id: string; health: string; heartbeat: string | null }>;
    expect(list).toHaveLength(39);
    expect(list.find((n) => n.id === 'i-retired-00001')?.heartbeat).toBe(new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 180 * 60_000).toISOString());
    const warnings = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('warning:')).sort();
    expect(warnings(s3.stderr)).toEqual(warnings(git.stderr));
    expect(warnings(s3.stderr)).toHaveLength(5);
  });

  it('nodes as a table, find, and find --json give the same answers', async () => {
    for (const args of [['nodes'], ['find', '--deployment', 'fed1', '--nodepart', 'db1', '--json'], ['find', '--nodepart', 'app1', '--format', 'lines']]) {
      const [git, s3] = await both([...args, ...NOW]);
      expect(s3.code, `${args.join(' ')}: ${s3.stderr}`).toBe(git.code);
      expect(s3.stdout, args.join(' ')).toBe(git.stdout);
    }
  });

  it('at: the grid as of a past minute, with the same nodes and beats', async () => {
    const minuteAgo = new Date(now.getTime() - 60_000).toISOString();
    const [git, s3] = await both(['at', minuteAgo, '--json']);
    expect(git.code, git.stderr).toBe(0);
    expect(s3.code, s3.stderr).toBe(0);
    const strip = (text: string): unknown => ({ ...(JSON.parse(text) as Record<string, unknown>), commit: null });
    expect(strip(s3.stdout)).toEqual(strip(git.stdout));
    // A moment after everything was written: the documents come from the history (a git commit, S3 history objects).
    const [gitLater, s3Later] = await both(['at', new Date(Date.now() + 1000).toISOString(), '--json']);
    expect(gitLater.code, gitLater.stderr).toBe(0);
    expect(s3Later.code, s3Later.stderr).toBe(0);
    expect(strip(s3Later.stdout)).toEqual(strip(gitLater.stdout));
    const later = JSON.parse(gitLater.stdout) as { nodes: Array<{ state: string | null }>; commit: string | null };
    expect(later.commit).not.toBeNull();
    expect(later.nodes).toHaveLength(39);
    expect(later.nodes.every((n) => n.state !== null)).toBe(true);
  });

  it('history of a node: the same states', async () => {
    const [git, s3] = await both(['history', 'i-wedged-00001', '--json']);
    expect(git.code, git.stderr).toBe(0);
    expect(s3.code, s3.stderr).toBe(0);
    const states = (text: string): unknown => (JSON.parse(text) as { states: Array<{ state: string; tss: string }> }).states.map(({ state, tss }) => ({ state, tss }));
    expect(states(s3.stdout)).toEqual(states(git.stdout));
    expect(states(git.stdout)).toEqual([expect.objectContaining({ state: 'setup' }), expect.objectContaining({ state: 'wedged' })]);
  });

  it('monitor --once: the same troubled nodes and exit code', async () => {
    const [git, s3] = await both(['monitor', '--once', '--json', ...NOW]);
    expect(s3.code).toBe(git.code);
    expect(git.code).toBe(3);
    const pass = (text: string): unknown => {
      const { counts, announcements } = JSON.parse(text.trim().split('\n').at(-1)!) as { counts: unknown; announcements: unknown };
      return { counts, announcements };
    };
    expect(pass(s3.stdout)).toEqual(pass(git.stdout));
  });
});
