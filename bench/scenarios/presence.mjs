// Presence under contention: 20 nodes x 5 state changes at once against a
// loopback git daemon, with nodegrid and with a shell re-implementation of the
// original "git pull; git push; git pull; git push", in the same run. A
// post-receive hook stamps when each commit became visible on the remote.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, percentile, table } from '../lib/measure.mjs';
import { freePort, waitForPort } from '../../test/helpers/ports.mjs';

export const name = 'presence';
export const title = 'presence in git: 20 nodes x 5 changes at once, nodegrid vs the original pull;push;pull;push';

const NODES = 20;
const STATES = ['setup', 'initdone', 'running', 'draining', 'drained'];
const IDENTITY = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@x' };
const baseEnv = () => {
  const env = { PATH: process.env.PATH, HOME: os.tmpdir(), LC_ALL: 'C', ...IDENTITY };
  return env;
};
const git = (args, options = {}) => execFileSync('git', args, { env: { ...baseEnv(), ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export async function run({ bin }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-bench-presence-'));
  const port = await freePort();
  const daemon = spawn('git', ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, '--export-all', '--enable=receive-pack', `--base-path=${root}`, root], {
    detached: true,
    stdio: 'ignore',
    env: baseEnv(),
  });
  try {
    await waitForPort(port);
    const url = (repo) => `git://127.0.0.1:${port}/${repo}`;

    const alone = await nodegridRun(root, bin, url, 'alone.git', 4, STATES, { oneAtATime: true });
    const gitsPerDelivery = await gitProcessesPerDelivery(root, bin, url, 'count.git');
    // The same 100 processes at the same concurrency with no remote sink: what starting Node costs by itself.
    const floor = await nodegridRun(root, bin, url, 'floor.git', NODES, STATES, { noRemote: true });
    const ours = await nodegridRun(root, bin, url, 'ours.git', NODES, STATES, { flushAtEnd: true });
    const original = await originalRun(root, url, 'original.git');
    const small = await nodegridRun(root, bin, url, 'small.git', 10, STATES.slice(0, 3), { flushAtEnd: true });

    const rows = [
      ['approach', 'lost changes', 'stale final docs', 'merge commits', 'wall time', 'ratio'],
      ['nodegrid', ours.lost, ours.stale, ours.merges, `${(ours.wallMs / 1000).toFixed(1)} s`, `${(ours.wallMs / original.wallMs).toFixed(2)}x`],
      ['original pull;push;pull;push', original.lost, original.stale, original.merges, `${(original.wallMs / 1000).toFixed(1)} s`, '1.00x'],
      ['floor: nodegrid, no remote sink', '-', '-', '-', `${(floor.wallMs / 1000).toFixed(1)} s`, `${(floor.wallMs / original.wallMs).toFixed(2)}x`],
    ];
    console.log(table(rows));
    console.log(`\nstate set -> visible on the remote (nodegrid):`);
    console.log(`  one node alone:      p50 ${fmt(median(alone.latencies))} (${alone.latencies.length} changes)`);
    console.log(`  20 x 5 contention:   p50 ${fmt(median(ours.latencies))}, p99 ${fmt(percentile(ours.latencies, 99))} (${ours.latencies.length} of ${NODES * STATES.length} changes)`);
    // What one process costs at this concurrency with nothing to deliver: no delivery can be visible sooner.
    console.log(`  floor, one state set with no remote at the same concurrency: p50 ${fmt(median(floor.durations))}, p99 ${fmt(percentile(floor.durations, 99))}`);
    console.log(`  push retries under contention: ${ours.retries} (rejected because another node pushed first); ${ours.flushFailures} final flushes failed`);
    console.log(`  longest state set under contention: ${fmt(ours.longestMs)} (wait budget ${WAIT_SECONDS} s)`);
    console.log(`\n10 nodes x 3 changes at once, each ending with outbox flush: ${small.flushFailures} flush failures, ${small.lost} lost, ${small.stale} stale final documents, ${(small.wallMs / 1000).toFixed(1)} s, longest state set ${fmt(small.longestMs)}`);
    console.log(`git processes started per delivery (one node, one state change, counted through a PATH shim): ${gitsPerDelivery}`);
  } finally {
    try {
      process.kill(-daemon.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

function bareRepoWithStamps(root, repo) {
  const dir = path.join(root, repo);
  git(['init', '--quiet', '--bare', dir]);
  const stamps = path.join(root, `${repo}.visible`);
  // Runs as the ref moves (the reference-transaction hook's "committed" state, inside the ref update itself, so a
  // client that gave up mid-push cannot skip it the way it can skip post-receive): the moment each new commit became
  // visible on the branch. Staged refs are not the grid's view, so only main counts.
  fs.writeFileSync(
    path.join(dir, 'hooks', 'reference-transaction'),
    `#!/bin/sh\n[ "$1" = committed ] || exit 0\nnow=$(date +%s%3N)\nwhile read old new ref; do\n  [ "$ref" = refs/heads/main ] || continue\n  if [ "$old" = 0000000000000000000000000000000000000000 ]; then range=$new; else range=$old..$new; fi\n  git log --format="$now %s" $range >> ${JSON.stringify(stamps)}\ndone\n`,
    { mode: 0o755 },
  );
  return { dir, stamps };
}

function readStamps(file) {
  const seen = new Map();
  for (const line of (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const subject = line.slice(space + 1);
    if (!seen.has(subject)) seen.set(subject, Number(line.slice(0, space)));
  }
  return seen;
}

function makeNode(root, kind, i) {
  const dir = path.join(root, `${kind}-${i}`);
  const nodeinfo = path.join(dir, 'nodeinfo');
  fs.mkdirSync(nodeinfo, { recursive: true });
  const id = `node-${String(i).padStart(2, '0')}`;
  for (const [file, value] of [['instance-id', id], ['deployment', 'fed1'], ['nodepart', `part${i}`]]) fs.writeFileSync(path.join(nodeinfo, `${file}.txt`), `${value}\n`);
  return { dir, nodeinfo, id, label: `${id}:fed1/part${i}` };
}

function runProcess(command, args, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

// The default wait budget of `state set` (outbox.waitSeconds): what an init script waits at most.
const WAIT_SECONDS = 10;

async function nodegridRun(root, bin, url, repo, count, states, { oneAtATime = false, noRemote = false, flushAtEnd = false } = {}) {
  const { dir: bare, stamps } = bareRepoWithStamps(root, repo);
  const nodes = Array.from({ length: count }, (_, i) => makeNode(root, repo, i));
  const config = path.join(root, `${repo}.config.json`);
  fs.writeFileSync(config, JSON.stringify(noRemote ? {} : { presence: { remote: url(repo) }, outbox: { waitSeconds: WAIT_SECONDS } }));
  const started = new Map();
  let longestMs = 0;
  const durations = [];
  let flushFailures = 0;
  const t0 = Date.now();
  const one = async (node) => {
    const env = { PATH: process.env.PATH, HOME: node.dir, NODEGRID_CONFIG: config, NODEGRID_HOME: path.join(node.dir, 'home'), NODEGRID_NODEINFO: node.nodeinfo };
    let from = 'none';
    for (const state of states) {
      const at = Date.now();
      started.set(`${node.label}: ${from} -> ${state}`, at);
      const result = await runProcess(process.execPath, [bin, 'state', 'set', state], env);
      longestMs = Math.max(longestMs, Date.now() - at);
      durations.push(Date.now() - at);
      if (result.code !== 0) throw new Error(`${node.id}: state set ${state} exited ${result.code}: ${result.stderr}`);
      from = state;
    }
    if (flushAtEnd && (await runProcess(process.execPath, [bin, 'outbox', 'flush'], env)).code !== 0) flushFailures++;
  };
  if (oneAtATime) for (const node of nodes) await one(node);
  else await Promise.all(nodes.map(one));
  const wallMs = Date.now() - t0;
  if (noRemote) return { wallMs, durations };
  const seen = readStamps(stamps);
  const latencies = [...started].filter(([subject]) => seen.has(subject)).map(([subject, at]) => seen.get(subject) - at);
  const retries = nodes.reduce((sum, node) => sum + (readIf(path.join(node.dir, 'home/log/nodegrid.log')).match(/push rejected because the branch moved/g) ?? []).length, 0);
  const docOf = (node) => JSON.parse(fs.readFileSync(path.join(node.nodeinfo, 'state.txt'), 'utf8').trim() ? `{"state":"${fs.readFileSync(path.join(node.nodeinfo, 'state.txt'), 'utf8').trim()}"}` : '{}');
  return { wallMs, latencies, retries, longestMs, flushFailures, ...outcome(bare, nodes, states, started, (node) => docOf(node).state) };
}

/** Git processes one `state set` starts to deliver its change, counted by a `git` first on PATH that logs and hands over. */
async function gitProcessesPerDelivery(root, bin, url, repo) {
  bareRepoWithStamps(root, repo);
  const node = makeNode(root, repo, 0);
  const shim = path.join(root, 'git-shim');
  fs.mkdirSync(shim, { recursive: true });
  const log = path.join(shim, 'calls');
  const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  fs.writeFileSync(path.join(shim, 'git'), `#!/bin/sh\necho x >> ${JSON.stringify(log)}\nexec ${JSON.stringify(realGit)} "$@"\n`, { mode: 0o755 });
  const config = path.join(root, `${repo}.config.json`);
  fs.writeFileSync(config, JSON.stringify({ presence: { remote: url(repo) } }));
  const env = { PATH: `${shim}:${process.env.PATH}`, HOME: node.dir, NODEGRID_CONFIG: config, NODEGRID_HOME: path.join(node.dir, 'home'), NODEGRID_NODEINFO: node.nodeinfo };
  // The first change makes the clone; count the second, an ordinary delivery.
  await runProcess(process.execPath, [bin, 'state', 'set', 'setup'], env);
  fs.rmSync(log, { force: true });
  await runProcess(process.execPath, [bin, 'state', 'set', 'initdone'], env);
  return readIf(log).split('\n').filter(Boolean).length;
}

/** The original: commit locally, then "git pull; git push; git pull; git push", failures ignored. */
async function originalRun(root, url, repo) {
  const { dir: bare } = bareRepoWithStamps(root, repo);
  // The original's repository had a first commit; the nodes clone it.
  const seed = path.join(root, 'seed');
  git(['clone', '--quiet', url(repo), seed]);
  fs.writeFileSync(path.join(seed, 'README'), 'presence\n');
  git(['add', 'README'], { cwd: seed });
  git(['commit', '--quiet', '-m', 'start'], { cwd: seed });
  git(['push', '--quiet', 'origin', 'HEAD:main'], { cwd: seed });
  git(['--git-dir', bare, 'symbolic-ref', 'HEAD', 'refs/heads/main']);
  const nodes = Array.from({ length: NODES }, (_, i) => makeNode(root, repo, i));
  for (const node of nodes) git(['clone', '--quiet', '--branch', 'main', url(repo), path.join(node.dir, 'clone')]);
  const script = `
    cd "$CLONE"; from=none; mkdir -p it/presence/all
    for s in ${STATES.join(' ')}; do
      printf '{\\n    "filetype": "nodepresence",\\n    "value": {\\n        "instance-id": "%s",\\n        "state": "%s"\\n    }\\n}\\n' "$ID" "$s" > "it/presence/all/$ID.json"
      git add -A && git commit -q -m "$LABEL: $from -> $s"
      git pull -q --no-rebase --no-edit origin main; git push -q origin HEAD:main; git pull -q --no-rebase --no-edit origin main; git push -q origin HEAD:main
      from=$s
    done; true`;
  const started = new Map();
  const t0 = Date.now();
  await Promise.all(
    nodes.map((node) => {
      STATES.forEach((s, k) => started.set(`${node.label}: ${k === 0 ? 'none' : STATES[k - 1]} -> ${s}`, t0));
      return runProcess('/bin/sh', ['-c', script], { ...baseEnv(), CLONE: path.join(node.dir, 'clone'), ID: node.id, LABEL: node.label }, node.dir);
    }),
  );
  const wallMs = Date.now() - t0;
  return { wallMs, ...outcome(bare, nodes, STATES, started, () => STATES.at(-1)) };
}

/** Lost: changes whose commit is not on the remote. Stale: the remote's document is not the node's last state. */
function outcome(bare, nodes, states, started, finalStateOf) {
  const subjects = new Set(git(['--git-dir', bare, 'log', '--format=%s', 'main']).split('\n'));
  const lost = [...started.keys()].filter((subject) => !subjects.has(subject)).length;
  let stale = 0;
  for (const node of nodes) {
    let state;
    try {
      state = JSON.parse(git(['--git-dir', bare, 'show', `main:it/presence/all/${node.id}.json`])).value.state;
    } catch {
      state = undefined;
    }
    if (state !== finalStateOf(node)) stale++;
  }
  const merges = git(['--git-dir', bare, 'rev-list', '--merges', 'main']).split('\n').filter(Boolean).length;
  return { lost, stale, merges };
}

function readIf(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
