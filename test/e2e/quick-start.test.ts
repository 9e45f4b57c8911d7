import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli';
import { createBareRepo, gitSync, makeRepoRoot, startGitDaemon, type GitServer } from '../helpers/git-server';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { npmEnv, packRelease } from '../helpers/release';

/**
 * The README's quick start, run as written: its three marked shell blocks are
 * read from the README itself, so a step that stops working, or a README that
 * changes, fails here. Three simulated nodes each get a temporary root that
 * stands for `/`. What the test changes, and only that:
 *
 * - the services we cannot reach: the presence remote becomes a git daemon on
 *   127.0.0.1, the Slack webhooks an HTTP receiver;
 * - `/etc/` and `/var/lib/nodegrid` in the text, and nodegrid's own default
 *   paths (through NODEGRID_CONFIG, NODEGRID_HOME, NODEGRID_NODEINFO), point
 *   into the node's root; npm installs under it (npm_config_prefix);
 * - shell functions stand in for what belongs to the machine: `apt-get` (the
 *   test machine has git and Node.js, as CI installs them), `hostname` (each
 *   simulated node has its own), and `nodegrid install` gets `--prefix ROOT`
 *   so it writes the root's /etc/cron.d, not the machine's.
 */
const repoRoot = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-quick-start-'));
const NODES = ['node1', 'node2', 'node3'];

let repos: ReturnType<typeof makeRepoRoot>;
let daemon: GitServer;
let receiver: HttpReceiver;
let tarball: string;

/** The shell block after `<!-- quick-start: NAME -->`. */
function quickStartBlock(name: string): string {
  const block = new RegExp(`<!-- quick-start: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  if (block === undefined) throw new Error(`README.md has no "<!-- quick-start: ${name} -->" sh block`);
  return block;
}

interface SimulatedNode {
  readonly name: string;
  readonly root: string;
  readonly env: Record<string, string>;
}

function simulatedNode(name: string): SimulatedNode {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, 'root'), { recursive: true });
  // The release tarball where the README's `npm install --global ./nodegrid-….tgz` looks for it.
  fs.copyFileSync(tarball, path.join(root, path.basename(tarball)));
  // Nothing of the test runner's environment but npm's own offline cache settings.
  const npm = Object.fromEntries(Object.entries(npmEnv(root)).filter(([key]) => key.startsWith('npm_config_')));
  const env = {
    ...npm,
    npm_config_prefix: path.join(root, 'usr/local'),
    PATH: `${path.join(root, 'usr/local/bin')}:${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: path.join(root, 'root'),
    NO_COLOR: '1',
    NODEGRID_CONFIG: path.join(root, 'etc/nodegrid/config.yaml'),
    NODEGRID_HOME: path.join(root, 'var/lib/nodegrid'),
    NODEGRID_NODEINFO: path.join(root, 'root/nodeinfo'),
  };
  return { name, root, env };
}

/** The README's text with the unreachable services and `/` swapped for this node's. */
function localized(text: string, node: SimulatedNode): string {
  return text
    .replaceAll('git@github.com:acme/grid-presence.git', daemon.url('grid-presence.git'))
    .replaceAll('https://hooks.slack.com/services/EXAMPLE/EXAMPLE/EXAMPLE2', receiver.url('/pager'))
    .replaceAll('https://hooks.slack.com/services/EXAMPLE/EXAMPLE/EXAMPLE', receiver.url('/ops'))
    .replaceAll('/etc/', `${node.root}/etc/`)
    .replaceAll('/var/lib/nodegrid', `${node.root}/var/lib/nodegrid`);
}

function runShell(script: string, cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A block as a person pastes it into a root shell, stopping at the first failing command. */
function runBlock(name: string, node: SimulatedNode): Promise<CliResult> {
  const machine = [
    'set -euo pipefail',
    'apt-get() { echo "apt-get $* (already on this machine)"; }',
    `hostname() { echo ${node.name}; }`,
    `nodegrid() { if [ "\${1:-}" = install ]; then command nodegrid "$@" --prefix ${node.root}; else command nodegrid "$@"; fi; }`,
  ].join('\n');
  return runShell(`${machine}\n${localized(quickStartBlock(name), node)}`, node.root, node.env);
}

/** The job `install cron` wrote, run the way cron runs it: its own PATH and variables, nothing inherited. */
function runCronJob(node: SimulatedNode): Promise<CliResult> {
  const candidates = [path.join(node.root, 'etc/cron.d/nodegrid'), path.join(node.root, node.env.HOME!, '.config/nodegrid/crontab.nodegrid')];
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  expect(file, `install cron wrote none of ${candidates.join(', ')}`).toBeDefined();
  const lines = fs.readFileSync(file!, 'utf8').split('\n');
  const variables = Object.fromEntries(lines.filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const job = lines.find((line) => line.startsWith('* * * * * '))!.replace(/^\* \* \* \* \* (root )?/, '');
  return runShell(job, node.env.HOME!, { HOME: node.env.HOME!, SHELL: '/bin/sh', LOGNAME: 'root', PATH: '/usr/bin:/bin', ...variables });
}

beforeAll(async () => {
  repos = makeRepoRoot();
  daemon = await startGitDaemon(repos.dir);
  createBareRepo(repos.dir, 'grid-presence.git');
  receiver = await startHttpReceiver();
  fs.mkdirSync(path.join(tmp, 'pack'));
  tarball = packRelease(path.join(tmp, 'pack'));
}, 120_000);
afterAll(async () => {
  await daemon?.stop();
  await receiver?.close();
  repos?.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the README's quick start, as written", () => {
  it('installs the release tarball the README names', async () => {
    expect(quickStartBlock('install')).toContain(`./${path.basename(tarball)}`);
    expect(path.basename(tarball)).toBe(`nodegrid-${pkg.version}.tgz`);
    for (const name of NODES) {
      const node = simulatedNode(name);
      const r = await runBlock('install', node);
      expect(r.code, `${name}: ${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')} \\(`, 'm'));
      expect(fs.existsSync(path.join(node.root, 'usr/local/bin/nodegrid'))).toBe(true);
    }
  }, 300_000);

  it('configures and reports three nodes, whose cron job beats and leaves a log', async () => {
    for (const name of NODES) {
      const node = simulatedNode(name);
      const r = await runBlock('node', node);
      expect(r.code, `${name}: ${r.stdout}\n${r.stderr}`).toBe(0);
      expect(fs.readFileSync(path.join(node.root, 'root/nodeinfo/state.txt'), 'utf8')).toBe('initdone\n');
      const beat = await runCronJob(node);
      expect(beat.code, `${name} cron job: ${beat.stdout}\n${beat.stderr}`).toBe(0);
      // The job's output went to the log the README names, not to cron's mail.
      expect(fs.readFileSync(path.join(node.root, 'var/lib/nodegrid/log/tick.log'), 'utf8')).not.toBe('');
    }
    // Presence holds each node's document on main and its beats on the heartbeat branch.
    const bare = path.join(repos.dir, 'grid-presence.git');
    const documents = gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main', 'it/presence/all/']).trim().split('\n');
    expect(documents).toEqual(NODES.map((name) => `it/presence/all/${name}.json`));
    const document = JSON.parse(gitSync(['--git-dir', bare, 'show', 'main:it/presence/all/node2.json'])) as { value: Record<string, string> };
    expect(document.value).toMatchObject({ deployment: 'fed1', nodepart: 'app1', state: 'initdone', note: 'init took 104 s', hostname: os.hostname() });
    const beats = gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'heartbeat', 'it/presence/flattime/']).trim().split('\n');
    for (const name of NODES) expect(beats.some((file) => file.endsWith(`/${name}.json`)), name).toBe(true);
    // The chatty room heard each node reach initdone with the reason (in Slack's escaping); nothing was critical.
    const ops = receiver.on('/ops').map((request) => (JSON.parse(request.body) as { text: string }).text);
    for (const name of NODES) expect(ops, name).toContain(`${name}:fed1/app1: setup -&gt; initdone (init took 104 s)`);
    expect(receiver.on('/pager')).toEqual([]);
  }, 300_000);

  it('watches the grid: every node alive, the app1 nodes found', async () => {
    const r = await runBlock('watch', simulatedNode('node1'));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const name of NODES) expect(r.stdout).toMatch(new RegExp(`${name}\\s+alive\\s+initdone`));
    // find's answer is the block's last output: one id per line.
    expect(r.stdout.trim().split('\n').slice(-3)).toEqual(NODES);
  }, 120_000);
});
