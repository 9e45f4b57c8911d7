// `npm run demo`: nodegrid's main job on an embedded default. A small grid of
// simulated nodes (stack lad1 in deployment fed1) lives on this machine, each
// with its own nodeinfo folder and its own `nodegrid` processes (the real CLI,
// dist/nodegrid.cjs). Their presence goes to a local bare git repository, their
// chat to a Slack-format receiver on 127.0.0.1 whose messages are printed as a
// chat feed, and their work comes from a config repository they follow. One
// node's work keeps failing, so it wedges; one never gets past presetup; one
// stops beating; one is asked through presence to leave, and drains and
// decommissions on its own ticks. The monitor watches the grid and
// the dashboard serves it while the nodes keep beating; at the end the nodes stop
// and the grid is read back from presence. Nothing outside a temporary folder and
// 127.0.0.1 is touched, and nothing is left running, whichever way it ends.
//
//   npm run demo                  runs until Ctrl-C (or SIGTERM): the nodes stop, the grid
//                                 is read back, then the servers stop; exit 0. A second
//                                 Ctrl-C stops everything at once (exit 130).
//   npm run demo -- --for 45      runs at least 45 s and until the monitor has seen the whole
//                                 story (at most 5 minutes more), then stops the same way;
//                                 exit 1 when the story did not complete in that time
//   npm run demo -- --keep        leaves the temporary folder for a look
//
// Every process the demo starts stays in its process group, so whoever started
// the demo can end all of it with one signal to the group.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const bin = process.env.NODEGRID_BIN ?? path.join(root, 'dist', 'nodegrid.cjs');
const keep = process.argv.includes('--keep');
const forIndex = process.argv.indexOf('--for');
const runForMs = forIndex > 0 ? Number(process.argv[forIndex + 1]) * 1000 : Infinity;
if (Number.isNaN(runForMs) || runForMs <= 0) {
  console.error('--for takes a number of seconds, e.g. --for 45');
  process.exit(2);
}
const started = Date.now();
const secondsIn = () => Math.round((Date.now() - started) / 1000);
const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const paint = (code) => (text) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const [bold, dim, red, green, yellow, magenta] = [1, 2, 31, 32, 33, 35].map(paint);
const byColor = { good: green, warning: yellow, danger: red, '#2eb886': green, '#daa038': yellow, '#a30200': red };

/**
 * Compressed time, by configuration alone. Every node process here competes for
 * two cores with ten others (and whatever else the machine runs), so one tick can
 * take seconds: a beat every 15 s keeps the ticks from piling up, and a grace of
 * 4 beats (60 s) keeps a healthy node alive through a few slow ones.
 * Two beats in a setting-up state make a zombie.
 */
const BEAT_SECONDS = 15;
const STALE_AFTER_BEATS = 4;
const ZOMBIE_AFTER_SECONDS = 2 * BEAT_SECONDS;
/** How often the monitor looks: often enough that the story's end is seen soon after it happens. */
const MONITOR_EVERY_SECONDS = 5;
/** Once --for has passed, how long the grid may still live waiting for the story to complete. */
const STORY_LIMIT_SECONDS = 300;

// --- stopping: what the demo started, and how each way out ends all of it ---
/** Every process the demo started that has not ended yet, with the signal that ends it. */
const children = new Map();
/** Aborted when a signal asks the demo to stop: the story ends where it is and the summary follows. */
const stop = new AbortController();
let chat;
let work;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!stop.signal.aborted) {
      stop.abort(signal);
      console.log(dim(`\n(${signal}: the nodes stop, then the grid is read back from presence; ${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} stops at once)`));
      return;
    }
    void cleanUp().then(() => process.exit(130));
  });
}
// The terminal is gone: nobody reads a summary.
process.on('SIGHUP', () => void cleanUp().then(() => process.exit(129)));

async function runDemo() {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-demo-'));
  const servers = await startServers();
  const nodes = NODES.map((spec) => makeNode(spec, servers));
  const observer = makeObserver(servers);
  const dashboardUrl = await startDashboard(observer);
  console.log(`A grid of ${nodes.length} nodes of stack lad1 in deployment fed1, under ${work}`);
  console.log(`presence: ${servers.presence}   chat: ${servers.chatUrl}`);
  console.log(`${bold('dashboard:')} ${dashboardUrl}   (open it while the grid lives)`);

  const story = await tellStory(nodes, observer);
  if (!nodes.some((node) => node.launched)) {
    console.log(dim('stopped before any node was launched: nothing to read back'));
    return 0;
  }
  await summarize(nodes, observer, servers, story.stoppedAt ?? new Date());
  if (!stop.signal.aborted && story.missing.length > 0) {
    console.error(`\nThe story did not complete within ${STORY_LIMIT_SECONDS} s after --for: still missing ${story.missing.join('; ')}. The machine may be too busy for this demo's compressed time.`);
    return 1;
  }
  return 0;
}

// --- the servers: a chat room, the presence repository behind git daemon, the config repository ---
async function startServers() {
  chat = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        const payload = JSON.parse(body);
        const room = req.url.endsWith('/critical') ? '#ops-critical' : req.url.endsWith('/monitor') ? '#ops (monitor)' : '#ops';
        const color = payload.attachments?.[0]?.color;
        // Slack's format escapes & < > in text; a chat client shows them unescaped.
        const text = (payload.attachments?.[0]?.fallback ?? payload.text ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
        feed.push({ room, text });
        console.log(`  ${magenta('chat')} ${room === '#ops-critical' ? red(room) : dim(room)} ${(byColor[color] ?? ((t) => t))(text)}`);
      } catch {
        /* not ours */
      }
      res.end('ok');
    });
  });
  await new Promise((resolve) => chat.listen(0, '127.0.0.1', resolve));
  const chatUrl = `http://127.0.0.1:${chat.address().port}/services/demo`;

  const presenceDir = path.join(work, 'presence.git');
  git(work, 'init', '-q', '--bare', presenceDir);
  const presence = await startGitDaemon(work, presenceDir);

  const configRemote = path.join(work, 'config.git');
  const configSeed = path.join(work, 'config-seed');
  git(work, 'init', '-q', '--bare', configRemote);
  git(work, 'clone', '-q', configRemote, configSeed);
  fs.mkdirSync(path.join(configSeed, 'bin/nodework/common'), { recursive: true });
  fs.mkdirSync(path.join(configSeed, 'bin/nodework/part/db1'), { recursive: true });
  fs.writeFileSync(path.join(configSeed, 'bin/nodework/common/work.sh'), '#!/bin/sh\necho "common work for $NODEGRID_ID ($NODEGRID_NODEPART)"\n', { mode: 0o755 });
  // Leaving service runs scripts too: drain.sh stops taking work and lets clients go, decommission.sh hands over.
  fs.writeFileSync(path.join(configSeed, 'bin/nodework/common/drain.sh'), '#!/bin/sh\necho "$NODEGRID_ID takes no new sessions; the last one ended"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(configSeed, 'bin/nodework/common/decommission.sh'), '#!/bin/sh\necho "$NODEGRID_ID handed its data over"\n', { mode: 0o755 });
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
  return { chatUrl, presence, presenceDir, configRemote };
}

const feed = [];
const git = (cwd, ...args) => execFileSync('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@localhost', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });

// --- the nodes ---
const NODES = [
  { id: 'i-1a2b3c4d', nodepart: 'lb1' },
  { id: 'i-2b3c4d5e', nodepart: 'app1', leaves: true },
  { id: 'i-3c4d5e6f', nodepart: 'app1' },
  { id: 'i-4d5e6f70', nodepart: 'db1', wedges: true },
  { id: 'i-5e6f7081', nodepart: 'app1', zombie: true },
  { id: 'i-6f708192', nodepart: 'app1' },
  { id: 'i-708192a3', nodepart: 'app1', goesSilent: true },
  { id: 'i-8192a3b4', nodepart: 'app1' },
  { id: 'i-92a3b4c5', nodepart: 'db1' },
  { id: 'i-a3b4c5d6', nodepart: 'app1' },
];

function makeNode(spec, { presence, chatUrl, configRemote }) {
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
      // A tick delivers within its interval (less 5 s). The demo ticks each node every beat,
      // as cron would, and waits for the tick to end: an interval as long as the grace only
      // gives a tick on a busy machine the time to deliver its beat before it would count.
      `  intervalSeconds: ${STALE_AFTER_BEATS * BEAT_SECONDS}s`,
      '  wedgeAfterFailures: 2',
      // A state change waits for its delivery longer than the 10 s default: ten nodes
      // reporting at once on a busy machine take that long, and a node that never
      // ticks after (the zombie) has no later chance to publish its state.
      'outbox: {waitSeconds: 60s, backoffSeconds: 1s, maxBackoffSeconds: 3s}',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, NODEGRID_NODEINFO: path.join(dir, 'nodeinfo'), NODEGRID_HOME: path.join(dir, 'home'), NODEGRID_CONFIG: config, NO_COLOR: '1' };
  return { ...spec, dir, env, launched: false };
}

// --- the observer: a control node with compressed time, running the monitor and the dashboard ---
// A node still setting up after 30 s counts as a zombie here, where a real grid waits
// grid.zombieAfterMinutes (30); one silent for 4 beats of 15 s is stale. The monitor tells
// the same chat room.
function makeObserver({ presence, chatUrl }) {
  const observerConfig = path.join(work, 'observer.yaml');
  fs.writeFileSync(
    observerConfig,
    [
      'presence:',
      `  remote: ${presence}`,
      `  heartbeat: {everyMinutes: ${BEAT_SECONDS}s}`,
      'grid:',
      `  zombieAfterMinutes: ${ZOMBIE_AFTER_SECONDS}s`,
      `  staleAfterBeats: ${STALE_AFTER_BEATS}`,
      'chat:',
      '  destinations:',
      `    - {name: ops, type: slack, url: "${chatUrl.replace('/demo', '/monitor')}", minSeverity: chatty, minIntervalSeconds: 0}`,
      '',
    ].join('\n'),
  );
  return { env: { ...process.env, NODEGRID_HOME: path.join(work, 'observer'), NODEGRID_CONFIG: observerConfig, NO_COLOR: '1' } };
}

async function startDashboard(observer) {
  const dashboard = startProcess(observer, ['serve', '--port', '0', '--refresh', '2']);
  return new Promise((resolve) => {
    let out = '';
    dashboard.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out);
      if (match) resolve(match[1]);
    });
    dashboard.on('close', () => resolve('(the dashboard did not start)'));
  });
}

/** A long-lived nodegrid process (the dashboard, the monitor): its stdout is the caller's. */
function startProcess(node, args) {
  const child = spawn(process.execPath, [bin, ...args], { env: node.env, stdio: ['ignore', 'pipe', 'ignore'] });
  track(child);
  return child;
}

/** Runs one nodegrid command to its end, as a shell would. */
async function nodegrid(node, ...args) {
  const pending = run(process.execPath, [bin, ...args], { env: node.env });
  track(pending.child);
  try {
    const { stdout, stderr } = await pending;
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

function track(child, stopSignal = 'SIGTERM') {
  children.set(child, stopSignal);
  child.on('close', () => children.delete(child));
}

function say(text) {
  console.log(`\n${bold(text)}`);
}

// --- the story: each chapter runs only while nobody asked the demo to stop ---
async function tellStory(nodes, observer) {
  const live = nodes.filter((node) => !node.zombie);
  const chapters = [
    async () => {
      say('Launch: every node writes its identity and reports presetup (the launch template does this)');
      await Promise.all(
        nodes.map(async (node) => {
          await nodegrid(node, 'init', '--id', node.id, '--deployment', 'fed1', '--nodepart', node.nodepart, '--stacktype', 'lad1', '--initgitrepo', 'lad1-config');
          if (!stop.signal.aborted) node.launched = (await nodegrid(node, 'state', 'set', 'presetup')).code === 0;
        }),
      );
    },
    async () => {
      say('Boot: nodes come up at once (the zombie never does), each its own process');
      await Promise.all(live.map((node) => nodegrid(node, 'state', 'set', 'setup', '--note', 'cloud-init started')));
      if (stop.signal.aborted) return;
      await Promise.all(live.map((node) => nodegrid(node, 'state', 'set', 'initdone', '--note', `init took ${20 + node.id.charCodeAt(3)} s`)));
    },
    async () => {
      say('Heartbeat: each node ticks (pull, work, beat) — the db1 work fails until the node wedges');
      for (let beat = 1; beat <= 2 && !stop.signal.aborted; beat++) {
        // One node beats once and then falls silent (its cron died): the monitor will notice.
        const beating = live.filter((node) => beat === 1 || !node.goesSilent);
        const results = await Promise.all(beating.map((node) => nodegrid(node, 'tick', '--now', '--json')));
        results.forEach((result, i) => {
          const r = parseJson(result.stdout);
          console.log(`  beat ${beat} ${beating[i].id}/${beating[i].nodepart}: ${r.worked ? (r.workOk ? green('work ok') : red('work failed')) : dim('no work needed')}${r.wedged ? red(' -> wedged') : ''}`);
        });
      }
      if (stop.signal.aborted) return;
      await Promise.all(live.filter((node) => !node.wedges).map((node) => nodegrid(node, 'state', 'set', 'running')));
    },
    async () => {
      say('Leaving: an operator asks one app node to drain through presence; its own ticks drain it (drain.sh), then decommission it');
      const leaving = live.find((node) => node.leaves);
      await askToLeave(leaving, observer, [
        { action: 'drain', until: 'drained', note: 'replaced by a larger instance' },
        { action: 'decommission', until: 'decommissioned', note: 'its replacement is running' },
      ]);
    },
    async () => {
      say(`The grid lives: nodes beat, the monitor watches${Number.isFinite(runForMs) ? ` (at least until ${Math.round(runForMs / 1000)} s, and until the story is complete)` : ' (Ctrl-C to stop)'}`);
      return liveUntilDone(nodes, live.filter((node) => !node.leaves && !node.goesSilent), observer);
    },
  ];
  let outcome = { missing: [] };
  for (const chapter of chapters) {
    if (stop.signal.aborted) break;
    outcome = (await chapter()) ?? outcome;
  }
  return outcome;
}

/**
 * `nodegrid request` from the observer (no SSH, no server: a file in presence),
 * then the node's own tick reads it and acts once. A tick on a busy machine may
 * not see the request yet (its fetch lost a race), so it ticks again, a few times at most.
 */
async function askToLeave(node, observer, steps) {
  const stateOf = () => (fs.readFileSync(path.join(node.dir, 'nodeinfo', 'state.txt'), 'utf8').trim());
  for (const { action, until, note } of steps) {
    if (stop.signal.aborted) return;
    const asked = await nodegrid(observer, 'request', action, node.id, '--note', note, '--by', 'alice@ops');
    if (asked.code !== 0) {
      console.error(`  request ${action} ${node.id} failed: ${asked.stderr.trim()}`);
      return;
    }
    console.log(`  ${dim('alice@ops:')} nodegrid request ${action} ${node.id} --note "${note}"`);
    for (let tick = 1; tick <= 5 && stateOf() !== until && !stop.signal.aborted; tick++) {
      const answered = parseJson((await nodegrid(node, 'tick', '--now', '--json')).stdout).requests ?? [];
      for (const r of answered) console.log(`  tick ${node.id}: ${r.action} asked by ${r.by}: ${r.outcome === 'done' ? green(r.outcome) : red(r.outcome)}${r.note ? dim(` (${r.note})`) : ''}`);
    }
  }
}

/**
 * Each beating node ticks every beat on its own, as cron would, and the monitor
 * runs as the service it is. They live until --for has passed and the monitor
 * has seen the whole story, or until a signal; then the nodes stop (a tick in
 * progress finishes) and the monitor ends its pass.
 */
async function liveUntilDone(nodes, beating, observer) {
  const nodesStop = new AbortController();
  const cron = beating.map(async (node, i) => {
    // Spread over a beat, as heartbeat.jitterSeconds spreads a real grid: nodes that
    // tick in the same second only queue behind each other at the presence repository.
    await sleep((i * BEAT_SECONDS * 1000) / beating.length, nodesStop.signal);
    while (!nodesStop.signal.aborted) {
      const began = Date.now();
      await nodegrid(node, 'tick', '--now');
      await sleep(BEAT_SECONDS * 1000 - (Date.now() - began), nodesStop.signal);
    }
  });
  const monitor = startProcess(observer, ['monitor', '--interval', String(MONITOR_EVERY_SECONDS), '--json']);
  const monitorEnded = new Promise((resolve) => monitor.on('close', resolve));
  const expected = expectedCounts(nodes);
  const livingSince = Date.now();
  let missing = ['a first monitor pass'];
  let lastCounts = '';
  await new Promise((resolve) => {
    let living = true;
    const done = () => {
      living = false;
      clearInterval(clock);
      resolve();
    };
    // --for and the story's limit are checked every second, whether the monitor prints or not.
    const clock = setInterval(() => {
      const forPassed = Date.now() - started >= runForMs;
      const overLimit = Date.now() - Math.max(livingSince, started + runForMs) > STORY_LIMIT_SECONDS * 1000;
      if (forPassed && (missing.length === 0 || overLimit)) done();
    }, 1000);
    stop.signal.addEventListener('abort', done, { once: true });
    if (stop.signal.aborted) done();
    void monitorEnded.then(() => {
      if (living) console.error('the monitor stopped on its own: the grid is read back now');
      done();
    });
    readline.createInterface({ input: monitor.stdout }).on('line', (line) => {
      const pass = parseJson(line);
      if (!living || !pass.counts) return;
      const counts = describeCounts(pass.counts);
      if (counts !== lastCounts) console.log(`  ${dim(`monitor at ${secondsIn()} s:`)} ${counts}`);
      lastCounts = counts;
      const before = missing.length;
      missing = storyMissing(nodes, pass.counts, expected);
      if (missing.length === 0 && before > 0) console.log(`  ${dim(`the story is complete at ${secondsIn()} s${Number.isFinite(runForMs) ? '' : '; the grid lives on until Ctrl-C'}`)}`);
    });
  });
  say('Stopping: the nodes stop beating (a tick in progress finishes), the monitor ends its pass');
  // The grid is read back as of this moment: once the nodes stop beating they do go stale,
  // a minute or so later on a busy machine, and the summary would tell that instead of the story.
  const stoppedAt = new Date();
  nodesStop.abort();
  monitor.kill('SIGTERM');
  await Promise.all([...cron, monitorEnded]);
  return { missing, stoppedAt };
}

/** Where the story ends: every node's part played, as the monitor counts them. */
function expectedCounts(nodes) {
  const count = (flag) => nodes.filter((node) => node[flag]).length;
  const special = ['leaves', 'wedges', 'zombie', 'goesSilent'];
  return { retired: count('leaves'), wedged: count('wedges'), zombie: count('zombie'), stale: count('goesSilent'), new: 0, alive: nodes.filter((node) => special.every((flag) => !node[flag])).length };
}

/** What the story still lacks: the monitor's counts, and what the chat room must have heard. */
function storyMissing(nodes, counts, expected) {
  const missing = [];
  const differing = Object.keys(expected).filter((health) => (counts[health] ?? 0) !== expected[health]);
  if (differing.length > 0) missing.push(`the grid at ${describeCounts(expected)} (the monitor counts ${describeCounts(counts)})`);
  const heard = (node, room, health) => feed.some((message) => message.room === room && message.text.startsWith(`${node.id}:`) && message.text.includes(`-> ${health}`));
  const wedging = nodes.find((node) => node.wedges);
  if (!heard(wedging, '#ops-critical', 'wedged')) missing.push(`${wedging.id} wedged in #ops-critical`);
  for (const [flag, health] of [['zombie', 'zombie'], ['goesSilent', 'stale']]) {
    const node = nodes.find((n) => n[flag]);
    if (!heard(node, '#ops (monitor)', health)) missing.push(`the monitor's "${health}" for ${node.id}`);
  }
  return missing;
}

function describeCounts(counts) {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([health, n]) => `${n} ${health}`)
    .join(', ');
}

// --- the summary: read back from presence while its server still runs ---
async function summarize(nodes, observer, { presenceDir }, stoppedAt) {
  say('Delivery: what collided on the presence repository is retried (as the next tick would)');
  const flushed = await Promise.all(nodes.map((node) => nodegrid(node, 'outbox', 'flush', '--json')));
  flushed.forEach((result, i) => {
    const delivered = (parseJson(result.stdout).sinks ?? []).reduce((sum, sink) => sum + sink.delivered, 0);
    if (delivered > 0) console.log(`  ${nodes[i].id}: ${delivered} more delivered`);
  });

  // Rounded up to the second --now takes: cut down, the read-back could come a fraction of a second
  // before the monitor's last pass and call a node alive that the monitor had just called stale.
  const asOf = new Date(Math.ceil(stoppedAt.getTime() / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  say(`The grid as the nodes stopped, read back from the presence repository (nodegrid nodes --now ${asOf})`);
  const table = await nodegrid(observer, 'nodes', '--now', asOf);
  console.log(`${table.stdout}${table.stderr ?? ''}`.trimEnd().replace(/^/gm, '  '));

  const wedging = nodes.find((node) => node.wedges);
  say(`History of the wedged node (nodegrid history ${wedging.id})`);
  const history = await nodegrid(observer, 'history', wedging.id);
  console.log(`${history.stdout}${history.stderr ?? ''}`.trimEnd().replace(/^/gm, '  '));

  const leaving = nodes.find((node) => node.leaves);
  say(`What one node keeps on itself (${leaving.id})`);
  for (const file of ['state.txt', 'statetss.txt', 'statelog.txt']) {
    console.log(`  ${dim(`nodeinfo/${file}`)}: ${readIfExists(path.join(leaving.env.NODEGRID_NODEINFO, file)).trim()}`);
  }
  console.log(`  ${dim('home/log/nodegrid.log')} (last lines):`);
  for (const line of readIfExists(path.join(leaving.env.NODEGRID_HOME, 'log/nodegrid.log')).trim().split('\n').slice(-4)) console.log(`    ${line}`);
  const commits = gitLines(['--git-dir', presenceDir, 'log', '--oneline', 'main']);
  console.log(`  ${dim('presence.git')}: ${commits.length} commits${commits.length > 0 ? `, newest: ${commits[0]}` : ''}`);
  console.log(`\n${feed.length} chat messages; ${feed.filter((message) => message.text.includes('wedged')).length} about the wedged node.`);
}

/**
 * Stops everything the demo started and removes its folder (unless --keep).
 * SIGTERM first (the dashboard closes, git daemon ends), SIGKILL for what is
 * still there after a few seconds. Safe to call twice.
 */
let cleaning;
function cleanUp() {
  cleaning ??= (async () => {
    chat?.close();
    const all = [...children.keys()];
    for (const [child, signal] of children) child.kill(signal);
    const ended = Promise.all(all.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('close', resolve)))));
    const late = setTimeout(() => all.forEach((child) => child.kill('SIGKILL')), 5000);
    await ended;
    clearTimeout(late);
    if (!work) return;
    if (keep) console.log(`kept ${work}`);
    // git processes a killed nodegrid started may still be writing there for a moment.
    else fs.rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  })();
  return cleaning;
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const wake = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal?.removeEventListener('abort', wake), resolve()), ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
}

function readIfExists(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(none)';
}

function gitLines(args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function hasSetpriv() {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** git daemon on a free loopback port, or the bare repository's path when git daemon is not there. */
async function startGitDaemon(base, bare) {
  const port = await new Promise((resolve) => {
    const probe = http.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  // Ctrl-C in a terminal (and `timeout`, or a service manager's stop) signals the
  // whole process group, git daemon too, yet the summary still reads presence
  // through it. So it starts with SIGINT and SIGTERM ignored (an ignored signal
  // stays ignored across exec, and git-daemon leaves both so), the clean-up ends
  // it with SIGKILL, and where util-linux's setpriv is there the kernel ends
  // it with the demo, even a demo killed outright. git-daemon itself, not `git daemon`:
  // that runs it as a child which a SIGKILL of its parent would leave behind.
  const daemonBin = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-daemon');
  const args = ['--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, '--export-all', '--enable=receive-pack', `--base-path=${base}`, base];
  const ignoringStops = ['sh', '-c', 'trap "" INT TERM; exec "$0" "$@"', daemonBin, ...args];
  const [command, ...rest] = hasSetpriv() ? ['setpriv', '--pdeathsig', 'KILL', '--', ...ignoringStops] : ignoringStops;
  const daemon = spawn(command, rest, { stdio: 'ignore' });
  track(daemon, 'SIGKILL');
  const failed = await new Promise((resolve) => {
    daemon.on('close', () => resolve(true));
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
    daemon.kill('SIGKILL');
    return bare;
  }
  return `git://127.0.0.1:${port}/${path.basename(bare)}`;
}

// --- the demo, whichever way it ends: the story, the summary, then nothing left behind ---
let exitCode = 0;
try {
  exitCode = await runDemo();
} catch (error) {
  console.error(`demo failed: ${error?.message ?? error}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
