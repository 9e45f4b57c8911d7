// `npm run demo`: nodegrid's main job on an embedded default. A small grid of
// simulated nodes (stack lad1 in deployment fed1) lives on this machine, each
// with its own nodeinfo folder and its own `nodegrid` processes (the real CLI,
// dist/nodegrid.mjs). Their presence goes to a local bare git repository, their
// chat to a Slack-format receiver on 127.0.0.1 whose messages are printed as a
// chat feed, and their work comes from a config repository they follow. One
// node's work keeps failing, so it wedges; one never gets past presetup; one
// drains and decommissions. The monitor watches the grid and the dashboard
// serves it while the nodes keep beating; at the end the grid is read back
// from presence. Nothing outside a temporary folder and 127.0.0.1 is touched,
// and nothing is left running.
//
//   npm run demo                  runs until Ctrl-C
//   npm run demo -- --for 45      runs 45 seconds (longer on a slow machine, until the
//                                 silent node is stale), then stops everything
//   npm run demo -- --keep        leaves the temporary folder for a look
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const bin = process.env.NODEGRID_BIN ?? path.join(root, 'dist', 'nodegrid.mjs');
const keep = process.argv.includes('--keep');
const forIndex = process.argv.indexOf('--for');
const runForMs = forIndex > 0 ? Number(process.argv[forIndex + 1]) * 1000 : Infinity;
if (Number.isNaN(runForMs) || runForMs <= 0) {
  console.error('--for takes a number of seconds, e.g. --for 45');
  process.exit(2);
}
const started = Date.now();
const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const paint = (code) => (text) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const [bold, dim, red, green, yellow, magenta] = [1, 2, 31, 32, 33, 35].map(paint);
const byColor = { good: green, warning: yellow, danger: red, '#2eb886': green, '#daa038': yellow, '#a30200': red };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-demo-'));
const git = (cwd, ...args) => execFileSync('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@localhost', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });

// --- the chat room: a Slack incoming-webhook receiver that prints what arrives ---
const feed = [];
const chat = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const payload = JSON.parse(body);
      const room = req.url.endsWith('/critical') ? red('#ops-critical') : req.url.endsWith('/monitor') ? dim('#ops (monitor)') : dim('#ops');
      const color = payload.attachments?.[0]?.color;
      // Slack's format escapes & < > in text; a chat client shows them unescaped.
      const text = (payload.attachments?.[0]?.fallback ?? payload.text ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      const line = `${room} ${(byColor[color] ?? ((t) => t))(text)}`;
      feed.push(text);
      console.log(`  ${magenta('chat')} ${line}`);
    } catch {
      /* not ours */
    }
    res.end('ok');
  });
});
await new Promise((resolve) => chat.listen(0, '127.0.0.1', resolve));
const chatUrl = `http://127.0.0.1:${chat.address().port}/services/demo`;

// --- the presence repository, served by git daemon on loopback, and the config repository ---
const presenceDir = path.join(work, 'presence.git');
git(work, 'init', '-q', '--bare', presenceDir);
const children = [];
// Ctrl-C while the grid lives ends the living part and still shows the summary;
// at any other moment it stops everything the demo started, at once.
let inLivingLoop = false;
let stopping = false;
let silentSince = Date.now();
/** Compressed time, by configuration alone: a beat every 5 s, stale after 4 missed beats. */
const BEAT_SECONDS = 5;
const STALE_AFTER_BEATS = 4;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (inLivingLoop) {
      stopping = true;
      return;
    }
    void cleanUp().then(() => process.exit(130));
  });
}
const presence = await startGitDaemon(work, presenceDir);
const configRemote = path.join(work, 'config.git');
const configSeed = path.join(work, 'config-seed');
git(work, 'init', '-q', '--bare', configRemote);
git(work, 'clone', '-q', configRemote, configSeed);
fs.mkdirSync(path.join(configSeed, 'bin/nodework/common'), { recursive: true });
fs.mkdirSync(path.join(configSeed, 'bin/nodework/part/db1'), { recursive: true });
fs.writeFileSync(path.join(configSeed, 'bin/nodework/common/work.sh'), '#!/bin/sh\necho "common work for $NODEGRID_ID ($NODEGRID_NODEPART)"\n', { mode: 0o755 });
// The DNA is wrong for one db1: it names a data volume that instance does not have,
// so its work can never complete.
fs.mkdirSync(path.join(configSeed, 'conf'), { recursive: true });
fs.writeFileSync(path.join(configSeed, 'conf/volumes.txt'), 'i-4d5e6f70 /dev/xvdq\ni-92a3b4c5 /dev/xvdf\n');
fs.writeFileSync(
  path.join(configSeed, 'bin/nodework/part/db1/work.sh'),
  '#!/bin/sh\ndevice=$(awk -v id="$NODEGRID_ID" \'$1 == id {print $2}\' conf/volumes.txt)\n[ "$device" = /dev/xvdf ] || { echo "cannot mount /data from $device: no such device" >&2; exit 32; }\necho "mounted /data from $device"\n',
  { mode: 0o755 },
);
git(configSeed, 'add', '-A');
git(configSeed, 'commit', '-q', '-m', 'lad1 DNA');
git(configSeed, 'push', '-q', 'origin', 'HEAD:main');

// --- the nodes ---
const NODES = [
  { id: 'i-1a2b3c4d', nodepart: 'lb1' },
  { id: 'i-2b3c4d5e', nodepart: 'app1', leaves: true },
  { id: 'i-3c4d5e6f', nodepart: 'app1' },
  { id: 'i-4d5e6f70', nodepart: 'db1' },
  { id: 'i-5e6f7081', nodepart: 'app1', zombie: true },
  { id: 'i-6f708192', nodepart: 'app1' },
  { id: 'i-708192a3', nodepart: 'app1', goesSilent: true },
  { id: 'i-8192a3b4', nodepart: 'app1' },
  { id: 'i-92a3b4c5', nodepart: 'db1' },
  { id: 'i-a3b4c5d6', nodepart: 'app1' },
];

function makeNode(spec) {
  const dir = path.join(work, spec.id);
  const repoDir = path.join(dir, 'gitrepo');
  fs.mkdirSync(repoDir, { recursive: true });
  git(repoDir, 'clone', '-q', configRemote, 'lad1-config');
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      'presence:',
      `  remote: ${presence}`,
      `  heartbeat: {everyMinutes: ${BEAT_SECONDS}s}   # compressed time: a real grid beats every minute`,
      'chat:',
      '  destinations:',
      `    - {name: ops, type: slack, url: "${chatUrl}", minSeverity: chatty, minIntervalSeconds: 0}`,
      `    - {name: ops-critical, type: slack, url: "${chatUrl.replace('/demo', '/critical')}", minSeverity: critical, minIntervalSeconds: 0}`,
      'heartbeat:',
      `  repoDir: ${repoDir}`,
      '  intervalSeconds: 20s',
      '  wedgeAfterFailures: 2',
      'outbox: {backoffSeconds: 1s, maxBackoffSeconds: 3s}',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(dir, 'nodeinfo'), NODEGRID_HOME: path.join(dir, 'home'), NODEGRID_CONFIG: config, NO_COLOR: '1' };
  return { ...spec, dir, env };
}

/** Runs one nodegrid process; while it runs it is in `running`, so a stop can end it too. */
const running = new Set();
async function nodegrid(node, ...args) {
  const pending = run(process.execPath, [bin, ...args], { env: node.env });
  running.add(pending.child);
  try {
    const { stdout, stderr } = await pending;
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  } finally {
    running.delete(pending.child);
  }
}

function say(text) {
  console.log(`\n${bold(text)}`);
}

const nodes = NODES.map(makeNode);

// --- the observer: a control node with compressed time, running the monitor and the dashboard ---
// A node still in presetup after 15 s counts as a zombie here, where a real grid waits
// grid.zombieAfterMinutes (30); one silent for 4 beats of 5 s is stale. The monitor tells
// the same chat room.
const observerConfig = path.join(work, 'observer.yaml');
fs.writeFileSync(
  observerConfig,
  [
    'presence:',
    `  remote: ${presence}`,
    `  heartbeat: {everyMinutes: ${BEAT_SECONDS}s}`,
    'grid:',
    '  zombieAfterMinutes: 15s',
    `  staleAfterBeats: ${STALE_AFTER_BEATS}`,
    'chat:',
    '  destinations:',
    `    - {name: ops, type: slack, url: "${chatUrl.replace('/demo', '/monitor')}", minSeverity: chatty, minIntervalSeconds: 0}`,
    '',
  ].join('\n'),
);
const observer = { env: { ...process.env, NODEGRID_HOME: path.join(work, 'observer'), NODEGRID_CONFIG: observerConfig, NO_COLOR: '1' } };
const dashboard = spawn(process.execPath, [bin, 'serve', '--port', '0', '--refresh', '2'], { env: observer.env, stdio: ['ignore', 'pipe', 'ignore'] });
children.push(dashboard);
const dashboardUrl = await new Promise((resolve) => {
  let out = '';
  dashboard.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out);
    if (match) resolve(match[1]);
  });
  dashboard.on('close', () => resolve('(the dashboard did not start)'));
});
console.log(`A grid of ${nodes.length} nodes of stack lad1 in deployment fed1, under ${work}`);
console.log(`presence: ${presence}   chat: ${chatUrl}`);
console.log(`${bold('dashboard:')} ${dashboardUrl}   (open it while the grid lives)`);

say('Launch: every node writes its identity and reports presetup (the launch template does this)');
for (const node of nodes) {
  await nodegrid(node, 'init', '--id', node.id, '--deployment', 'fed1', '--nodepart', node.nodepart, '--stacktype', 'lad1', '--initgitrepo', 'lad1-config');
  await nodegrid(node, 'state', 'set', 'presetup');
}

say('Boot: nodes come up at once (the zombie never does), each its own process');
const live = nodes.filter((node) => !node.zombie);
await Promise.all(live.map((node) => nodegrid(node, 'state', 'set', 'setup', '--note', 'cloud-init started')));
await Promise.all(live.map((node) => nodegrid(node, 'state', 'set', 'initdone', '--note', `init took ${20 + node.id.charCodeAt(3)} s`)));

say('Heartbeat: each node ticks (pull, work, beat) — the db1 work fails until the node wedges');
for (let beat = 1; beat <= 2; beat++) {
  // One node beats once and then falls silent (its cron died): the monitor will notice.
  const beating = live.filter((node) => beat === 1 || !node.goesSilent);
  const results = await Promise.all(beating.map((node) => nodegrid(node, 'tick', '--now', '--json')));
  if (beat === 1) silentSince = Date.now();
  results.forEach((result, i) => {
    const r = JSON.parse(result.stdout || '{}');
    console.log(`  beat ${beat} ${beating[i].id}/${beating[i].nodepart}: ${r.worked ? (r.workOk ? green('work ok') : red('work failed')) : dim('no work needed')}${r.wedged ? red(' -> wedged') : ''}`);
  });
}
await Promise.all(live.filter((n) => n.id !== 'i-4d5e6f70').map((node) => nodegrid(node, 'state', 'set', 'running')));

say('Leaving: one app node drains and is decommissioned');
const leaving = live.find((node) => node.leaves);
for (const state of ['draining', 'drained', 'decommissioned']) await nodegrid(leaving, 'state', 'set', state);

say(`The grid lives: nodes beat, the monitor watches${Number.isFinite(runForMs) ? ` (until ${Math.round(runForMs / 1000)} s)` : ' (Ctrl-C to stop)'}`);
// The grid lives until --for has passed, and in any case until the silent node has missed
// enough beats to be stale, so the story is whole on a slow machine too.
const storyDone = silentSince + STALE_AFTER_BEATS * BEAT_SECONDS * 1000 + 2000;
inLivingLoop = true;
do {
  // Beat, then look: every pass of the monitor sees the beats of the nodes still alive.
  await Promise.all(live.filter((node) => node !== leaving && !node.goesSilent).map((node) => nodegrid(node, 'tick', '--now')));
  const monitor = await nodegrid(observer, 'monitor', '--once', '--json');
  const pass = JSON.parse(monitor.stdout || '{}');
  if (pass.counts) console.log(`  ${dim(`monitor at ${Math.round((Date.now() - started) / 1000)} s:`)} ${Object.entries(pass.counts).filter(([, n]) => n > 0).map(([h, n]) => `${n} ${h}`).join(', ')}`);
  if (stopping) break;
  await sleep(1000);
} while (!stopping && (Date.now() - started < runForMs || Date.now() < storyDone));
inLivingLoop = false;

say('Delivery: what collided on the presence repository is retried (as the next tick would)');
for (const node of nodes) {
  const flushed = await nodegrid(node, 'outbox', 'flush', '--json');
  const delivered = JSON.parse(flushed.stdout || '{"sinks":[]}').sinks.reduce((sum, sink) => sum + sink.delivered, 0);
  if (delivered > 0) console.log(`  ${node.id}: ${delivered} more delivered`);
}

say('The grid, read back from the presence repository (nodegrid nodes)');
const table = await nodegrid(observer, 'nodes');
console.log(`${table.stdout}${table.stderr ?? ''}`.trimEnd().replace(/^/gm, '  '));

say(`History of the wedged node (nodegrid history ${nodes[3].id})`);
console.log((await nodegrid(observer, 'history', nodes[3].id)).stdout.trimEnd().replace(/^/gm, '  '));

say(`What one node keeps on itself (${nodes[1].id})`);
for (const file of ['state.txt', 'statetss.txt', 'statelog.txt']) {
  console.log(`  ${dim(`nodeinfo/${file}`)}: ${fs.readFileSync(path.join(nodes[1].env.NODEGRID_NODEINFO, file), 'utf8').trim()}`);
}
console.log(`  ${dim('home/log/nodegrid.log')} (last lines):`);
for (const line of fs.readFileSync(path.join(nodes[1].env.NODEGRID_HOME, 'log/nodegrid.log'), 'utf8').trim().split('\n').slice(-4)) console.log(`    ${line}`);
const commits = execFileSync('git', ['--git-dir', presenceDir, 'log', '--oneline', 'main'], { encoding: 'utf8' }).trim().split('\n');
console.log(`  ${dim('presence.git')}: ${commits.length} commits, newest: ${commits[0]}`);
console.log(`\n${feed.length} chat messages; ${feed.filter((text) => text.includes('wedged')).length} about the wedged node.`);

await cleanUp();

/** Stops everything the demo started and removes its folder (unless --keep). */
async function cleanUp() {
  chat.close();
  const all = [...children, ...running];
  for (const child of all) child.kill('SIGTERM');
  await Promise.all(all.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.on('close', resolve)) : undefined)));
  if (keep) console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** git daemon on a free loopback port, or the bare repository's path when git daemon is not there. */
async function startGitDaemon(base, bare) {
  const port = await new Promise((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const daemon = spawn('git', ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, '--export-all', '--enable=receive-pack', `--base-path=${base}`, base], { stdio: 'ignore' });
  const failed = await new Promise((resolve) => {
    daemon.on('error', () => resolve(true));
    const until = Date.now() + 5000;
    const check = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => (socket.destroy(), resolve(false)));
      socket.on('error', () => (Date.now() > until ? resolve(true) : setTimeout(check, 50)));
    };
    check();
  });
  if (failed) {
    console.log(dim('(git daemon is not available: presence uses the bare repository path)'));
    return bare;
  }
  children.push(daemon);
  return `git://127.0.0.1:${port}/${path.basename(bare)}`;
}
