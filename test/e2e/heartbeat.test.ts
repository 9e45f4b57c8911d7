import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { readOrEmpty } from '../helpers/node-files';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

interface HeartbeatNode extends TestNode {
  out: string;
  /** Commits a new version of the config repo's work script to the remote. */
  publish(script: string, version: string): void;
  events(): Array<{ kind: string; state: string | null; note?: string; message?: string }>;
  tick(...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

/** A node following one config repo (cloned from a local bare remote) with a work script. */
async function heartbeatNode(heartbeat: Record<string, unknown> = {}): Promise<HeartbeatNode> {
  const n = makeTestNode();
  nodes.push(n);
  const remote = path.join(n.root, 'remote.git');
  const author = path.join(n.root, 'author');
  const repoDir = path.join(n.root, 'gitrepo');
  const out = path.join(n.root, 'work-out');
  const events = path.join(n.root, 'events.jsonl');
  git(n.root, 'init', '--bare', '-q', remote);
  git(n.root, 'clone', '-q', remote, author);
  const publish = (script: string, version: string): void => {
    fs.mkdirSync(path.join(author, 'bin/nodework/common'), { recursive: true });
    fs.writeFileSync(path.join(author, 'bin/nodework/common/work.sh'), script, { mode: 0o755 });
    fs.writeFileSync(path.join(author, 'version.txt'), `${version}\n`);
    git(author, 'add', '-A');
    git(author, 'commit', '-q', '-m', version);
    git(author, 'push', '-q', 'origin', 'HEAD:main');
  };
  publish(`#!/bin/sh\ncat version.txt >> '${out}'\n`, 'v1');
  fs.mkdirSync(repoDir);
  git(repoDir, 'clone', '-q', remote, 'config');
  n.writeConfig({
    heartbeat: { repoDir, wedgeAfterFailures: 3, ...heartbeat },
    sinks: { exec: [{ name: 'events', command: `cat >> '${events}'`, kinds: ['state', 'notify', 'heartbeat'] }] },
  });
  await n.run(['init', '--id', 'i-000bea70', '--deployment', 'fed1', '--nodepart', 'app1', '--initgitrepo', 'config']);
  await n.run(['state', 'set', 'setup']);
  await n.run(['state', 'set', 'initdone']);
  return Object.assign(n, {
    out,
    publish,
    events: () =>
      readOrEmpty(events)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    tick: (...extra: string[]) => n.run(['tick', '--now', ...extra]),
  });
}

const workRuns = (n: HeartbeatNode): string[] => readOrEmpty(n.out).split('\n').filter(Boolean);

describe('nodegrid tick', () => {
  it('runs the work on the first tick and once per pushed commit, seeing the pulled version; idle ticks run nothing', async () => {
    const n = await heartbeatNode();
    expect((await n.tick()).code).toBe(0);
    expect(workRuns(n)).toEqual(['v1']);
    const idle = await n.tick('--json');
    expect(JSON.parse(idle.stdout)).toMatchObject({ worked: false, beat: false });
    expect(workRuns(n)).toEqual(['v1']);

    n.publish(`#!/bin/sh\ncat version.txt >> '${n.out}'\n`, 'v2');
    const changed = JSON.parse((await n.tick('--json')).stdout);
    expect(changed).toMatchObject({ worked: true, workOk: true });
    expect(changed.pulled[0]).toMatchObject({ repo: 'config', changed: true });
    expect(workRuns(n)).toEqual(['v1', 'v2']);
    await n.tick();
    expect(workRuns(n)).toEqual(['v1', 'v2']);

    // A tick killed after its pull but before its work: the next tick still works (the
    // last successful work's commit is what counts, not what was pulled).
    n.publish(`#!/bin/sh\ncat version.txt >> '${n.out}'\n`, 'v3');
    git(path.join(n.root, 'gitrepo/config'), 'pull', '-q', '--ff-only');
    expect(JSON.parse((await n.tick('--json')).stdout)).toMatchObject({ worked: true, workOk: true });
    expect(workRuns(n)).toEqual(['v1', 'v2', 'v3']);

    // One heartbeat event per minute, and a log line per beat an engineer can tail.
    expect(n.events().filter((e) => e.kind === 'heartbeat').length).toBeGreaterThanOrEqual(1);
    expect(readOrEmpty(path.join(n.home, 'log/nodegrid.log'))).toMatch(/tick: 1 repo pulled \(config [0-9a-f]{8}\.\.[0-9a-f]{8}\); work ok \(bin\/nodework\/common\/work\.sh \d+ ms\)/);
  });

  it('a repo whose remote is gone keeps what it has and says why; a repo with no upstream is named as such; the others still pull', async () => {
    const n = await heartbeatNode();
    expect((await n.tick()).code).toBe(0);
    const repoDir = path.join(n.root, 'gitrepo');
    git(repoDir, 'clone', '-q', path.join(n.root, 'remote.git'), 'gone');
    git(path.join(repoDir, 'gone'), 'remote', 'set-url', 'origin', path.join(n.root, 'no-such-remote.git'));
    git(repoDir, 'clone', '-q', path.join(n.root, 'remote.git'), 'loose');
    git(path.join(repoDir, 'loose'), 'branch', '--unset-upstream');
    const head = git(path.join(repoDir, 'gone'), 'rev-parse', 'HEAD').trim();
    n.publish(`#!/bin/sh\ncat version.txt >> '${n.out}'\n`, 'v2');

    const tick = await n.tick('--json');
    expect(tick.code, tick.stderr).toBe(0);
    const pulled = Object.fromEntries((JSON.parse(tick.stdout) as { pulled: Array<{ repo: string }> }).pulled.map((p) => [p.repo, p]));
    expect(pulled.config).toMatchObject({ changed: true, error: null });
    expect(pulled.gone).toMatchObject({ changed: false, before: head, after: head, error: expect.stringMatching(/^git fetch failed \(exit 128\): fatal: .*no-such-remote\.git/) });
    expect(pulled.loose).toMatchObject({ changed: false, error: expect.stringContaining('no upstream to follow') });
    expect(workRuns(n)).toEqual(['v1', 'v2']);
  });

  it('starts no new work while the node leaves service, but keeps beating; back in service it works what it missed', async () => {
    const n = await heartbeatNode();
    expect((await n.tick()).code).toBe(0);
    expect(workRuns(n)).toEqual(['v1']);
    expect((await n.run(['state', 'set', 'draining', '--note', 'scale-in'])).code).toBe(0);
    n.publish(`#!/bin/sh\ncat version.txt >> '${n.out}'\n`, 'v2');
    // A minute later (its last beat forgotten here), the draining node beats and runs nothing.
    fs.rmSync(path.join(n.home, 'heartbeat/last-beat'), { force: true });
    const draining = JSON.parse((await n.tick('--json')).stdout);
    expect(draining).toMatchObject({ leaving: 'draining', worked: false, beat: true, pulled: [] });
    expect(workRuns(n)).toEqual(['v1']);
    expect(readOrEmpty(path.join(n.home, 'log/nodegrid.log'))).toContain('tick: draining, no new work (heartbeat.noWorkStates)');

    // Back in service: the commit it did not work on while draining is worked now.
    expect((await n.run(['state', 'set', 'running'])).code).toBe(0);
    expect(JSON.parse((await n.tick('--json')).stdout)).toMatchObject({ leaving: null, worked: true, workOk: true });
    expect(workRuns(n)).toEqual(['v1', 'v2']);
  });

  it('works in every state when heartbeat.noWorkStates is empty', async () => {
    const n = await heartbeatNode({ noWorkStates: [] });
    expect((await n.run(['state', 'set', 'draining'])).code).toBe(0);
    expect(JSON.parse((await n.tick('--json')).stdout)).toMatchObject({ leaving: null, worked: true, workOk: true });
    expect(workRuns(n)).toEqual(['v1']);
  });

  it('retries failing work every tick, wedges after N failures naming the script, reports the fix, and stays wedged until `state set`', async () => {
    const n = await heartbeatNode();
    n.publish(`#!/bin/sh\necho "database unreachable" >&2\nexit 7\n`, 'broken');
    for (let i = 1; i <= 3; i++) {
      const r = await n.tick();
      expect(r.code).toBe(3);
    }
    expect(readOrEmpty(path.join(n.nodeinfo, 'state.txt'))).toBe('wedged\n');
    const wedged = n.events().find((e) => e.kind === 'state' && e.state === 'wedged');
    expect(wedged?.note).toBe('work failed 3 times: bin/nodework/common/work.sh exit 7: database unreachable');

    n.publish(`#!/bin/sh\ncat version.txt >> '${n.out}'\n`, 'fixed');
    expect((await n.tick()).code).toBe(0);
    expect(workRuns(n)).toEqual(['fixed']);
    expect(n.events().find((e) => e.kind === 'notify')?.message).toBe('work succeeds again after 3 failed runs; the node stays wedged until someone runs `nodegrid state set`');
    expect(readOrEmpty(path.join(n.nodeinfo, 'state.txt'))).toBe('wedged\n');
    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
  });

  it('kills a hanging work script and its children at the timeout and counts it as a failure', async () => {
    const n = await heartbeatNode({ workTimeoutSeconds: '1s', wedgeAfterFailures: 1 });
    const pidFile = path.join(n.root, 'child.pid');
    n.publish(`#!/bin/sh\nsleep 120 &\necho $! > '${pidFile}'\nsleep 120\n`, 'hangs');
    const started = Date.now();
    const r = await n.tick();
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    const child = Number(readOrEmpty(pidFile).trim());
    expect(child).toBeGreaterThan(0);
    expect(isRunning(child)).toBe(false); // the grandchild died with the group
    expect(n.events().find((e) => e.state === 'wedged')?.note).toMatch(/work\.sh timed out after 1 s/);
  });

  it('never runs work twice at once: a second tick during long work only beats, and returns quickly', async () => {
    const n = await heartbeatNode();
    const flag = path.join(n.root, 'running');
    n.publish(`#!/bin/sh\nmkdir '${flag}' || echo CONCURRENT >> '${n.out}'\nsleep 8\ncat version.txt >> '${n.out}'\nrmdir '${flag}'\n`, 'slow');
    const first = n.tick('--json');
    while (!fs.existsSync(flag)) await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = Date.now();
    const second = await n.tick('--json');
    const secondMs = Date.now() - t0;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ busy: true, worked: false });
    // It did not wait for the 8 s work (about 2 s on a quiet machine; margin for a busy one).
    expect(secondMs).toBeLessThan(6000);
    expect((await first).code).toBe(0);
    expect(workRuns(n)).toEqual(['slow']);
  });
});

describe('nodegrid agent', () => {
  it('finishes the beat it is in on SIGTERM, delivers, and exits 0', async () => {
    const n = await heartbeatNode({ intervalSeconds: '2s' });
    const flag = path.join(n.root, 'working');
    n.publish(`#!/bin/sh\ntouch '${flag}'\nsleep 1\ncat version.txt >> '${n.out}'\n`, 'v-agent');
    const agent = spawn(process.execPath, [nodegridBin(), 'agent'], { env: { ...cleanEnv(), ...n.env }, stdio: 'ignore' });
    while (!fs.existsSync(flag)) await new Promise((resolve) => setTimeout(resolve, 20));
    agent.kill('SIGTERM');
    const code = await new Promise((resolve) => agent.on('close', resolve));
    expect(code).toBe(0);
    expect(workRuns(n)).toEqual(['v-agent']);
    expect(n.events().some((e) => e.kind === 'heartbeat')).toBe(true);
    expect(JSON.parse((await n.run(['state', '--json'])).stdout).pending).toEqual({ 'exec:events': 0 });
  });
});

describe('nodegrid install', () => {
  it('round-trips cron and systemd files under --prefix, idempotently, never touching foreign files', async () => {
    const n = makeTestNode();
    nodes.push(n);
    const prefix = path.join(n.root, 'prefix');
    // The installing shell's PATH is what cron's job gets, without its relative entries.
    const shell = { env: { PATH: `/opt/site/bin:.:${process.env.PATH}` } };
    for (const kind of ['cron', 'systemd']) {
      const before = listFiles(prefix);
      const dry = await n.run(['install', kind, '--prefix', prefix, '--dry-run'], shell);
      expect(dry.stdout).toContain('would write');
      expect(listFiles(prefix)).toEqual(before);
      const first = await n.run(['install', kind, '--prefix', prefix], shell);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('wrote');
      const again = await n.run(['install', kind, '--prefix', prefix], shell);
      expect(again.stdout).toContain('unchanged');
      expect(again.stdout).not.toContain('wrote');
    }
    const cron = readOrEmpty(path.join(prefix, 'etc/cron.d/nodegrid'));
    expect(cron).toMatch(/^# installed by nodegrid install\n/);
    expect(cron).toContain(`NODEGRID_NODEINFO=${n.nodeinfo}`);
    const tickLog = path.join(n.home, 'log/tick.log');
    expect(cron).toMatch(/^PATH=\/opt\/site\/bin:\/(?!.*:\.:)\S+$/m);
    expect(cron).toMatch(new RegExp(`\\* \\* \\* \\* \\* root .*\\S+node \\S+nodegrid\\.cjs tick --output-log ${escapeRegExp(tickLog)} >>${escapeRegExp(tickLog)} 2>&1\\n$`));
    expect(readOrEmpty(path.join(prefix, 'etc/systemd/system/nodegrid.timer'))).toContain('OnUnitActiveSec=60s');
    expect(readOrEmpty(path.join(prefix, 'etc/systemd/system/nodegrid.service'))).toMatch(/ExecStart=\S+ \S+nodegrid\.cjs tick\n/);
    expect(readOrEmpty(path.join(prefix, 'etc/systemd/system/nodegrid.service'))).toMatch(/^Wants=network-online\.target\nAfter=network-online\.target$/m);

    for (const kind of ['cron', 'systemd']) expect((await n.run(['install', kind, '--prefix', prefix, '--uninstall'])).code).toBe(0);
    expect(listFiles(prefix)).toEqual([]);

    fs.writeFileSync(path.join(prefix, 'etc/cron.d/nodegrid'), '* * * * * root somebody-elses-job\n');
    const refused = await n.run(['install', 'cron', '--prefix', prefix]);
    expect(refused.code).toBe(2);
    expect(readOrEmpty(path.join(prefix, 'etc/cron.d/nodegrid'))).toBe('* * * * * root somebody-elses-job\n');
  });
});

describe('the installed cron line', () => {
  /** `install cron` under a prefix, and what cron would run: the file's variables and the command after "root". */
  async function installedCron(n: TestNode, env: Record<string, string> = {}): Promise<{ env: Record<string, string>; command: string }> {
    const prefix = path.join(n.root, 'prefix');
    const installed = await n.run(['install', 'cron', '--prefix', prefix], { env });
    expect(installed.code, installed.stderr).toBe(0);
    const lines = readOrEmpty(path.join(prefix, 'etc/cron.d/nodegrid')).split('\n');
    const variables = lines.filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
    const command = lines.find((line) => line.startsWith('* * * * * root '))!.slice('* * * * * root '.length);
    return { env: Object.fromEntries(variables), command };
  }

  /** As cron runs it: /bin/sh -c, with cron's few variables (its PATH is /usr/bin:/bin) under the file's own. */
  function runAsCron(job: { env: Record<string, string>; command: string }): Promise<number | null> {
    const child = spawn('/bin/sh', ['-c', job.command], { env: { HOME: '/root', LOGNAME: 'root', SHELL: '/bin/sh', PATH: '/usr/bin:/bin', ...job.env }, stdio: 'ignore' });
    return new Promise((resolve) => child.on('close', resolve));
  }

  it('carries PATH and NODEGRID_REPO_DIR, and a tick failing with exit 2 leaves its error in tick.log, which stays under 1 MiB and is made again if gone', async () => {
    const n = makeTestNode();
    nodes.push(n);
    const repoDir = path.join(n.root, 'gitrepo');
    fs.mkdirSync(repoDir);
    expect((await n.run(['init', '--id', 'i-000c7070'])).code).toBe(0);
    const job = await installedCron(n, { NODEGRID_REPO_DIR: repoDir });
    expect(job.env).toMatchObject({ NODEGRID_REPO_DIR: repoDir, NODEGRID_HOME: n.home, NODEGRID_CONFIG: n.configFile });
    expect(job.env.PATH).not.toBe('/usr/bin:/bin');
    const tickLog = path.join(n.home, 'log/tick.log');

    expect(await runAsCron(job)).toBe(0);
    expect(readOrEmpty(tickLog)).toMatch(/^beat: 0 repos \(0 changed\), no work needed \(\d+ ms\)\n$/);

    n.writeConfig('heartbeat:\n  repoDir: [\n');
    expect(await runAsCron(job)).toBe(2);
    const broken = `error: config file ${n.configFile} is not valid YAML at line 3, column 1: `;
    expect(readOrEmpty(tickLog).split('\n').at(-2)).toMatch(new RegExp(`^${escapeRegExp(broken)}\\S.*\\]$`));

    // Past 1 MiB the tick moves it aside; this run finishes its lines there, the next starts a new one.
    const filler = `${'x'.repeat(99)}\n`.repeat(10_500);
    fs.writeFileSync(tickLog, filler);
    expect(await runAsCron(job)).toBe(2);
    const rotated = readOrEmpty(`${tickLog}.1`);
    expect(rotated.startsWith(filler)).toBe(true);
    expect(rotated.slice(filler.length)).toContain(broken);
    expect(fs.existsSync(tickLog)).toBe(false);
    expect(await runAsCron(job)).toBe(2);
    expect(readOrEmpty(tickLog)).toContain(broken);
    expect(fs.statSync(tickLog).size).toBeLessThan(1000);

    // A home wiped since the install: the line makes the log's folder again, so the beat is not lost with it.
    fs.rmSync(n.home, { recursive: true, force: true });
    expect(await runAsCron(job)).toBe(2);
    expect(readOrEmpty(tickLog)).toContain(broken);
  });
});

describe('nodegrid tick with a repo folder that is not there', () => {
  async function nodeWithout(config: Record<string, unknown> = {}): Promise<TestNode & { beats(): number }> {
    const n = makeTestNode();
    nodes.push(n);
    const events = path.join(n.root, 'events.jsonl');
    n.writeConfig({ ...config, sinks: { exec: [{ name: 'events', command: `cat >> '${events}'`, kinds: ['heartbeat'] }] } });
    expect((await n.run(['init', '--id', 'i-000d1700', '--initgitrepo', 'config'])).code).toBe(0);
    return Object.assign(n, { beats: () => readOrEmpty(events).split('\n').filter((line) => line.includes('"heartbeat"')).length });
  }

  it('named by heartbeat.repoDir: exit 2 naming the folder and the key in its file, after the beat (which must not stop)', async () => {
    const missing = '/nonexistent/nodegrid-test/gitrepo';
    const n = await nodeWithout({ heartbeat: { repoDir: missing } });
    const r = await n.run(['tick', '--now']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^beat: no repos \(the repo folder does not exist\), no work run, heartbeat \(\d+ ms\)\n$/);
    expect(r.stderr).toContain(`error: the repo folder ${missing} does not exist (set by heartbeat.repoDir in ${n.configFile}): nothing was pulled and no work ran; the beat went on\n`);
    expect(r.stderr).toContain("create it and clone this node's repos into it, or point heartbeat.repoDir at the folder that holds them");
    expect(n.beats()).toBe(1);
    expect(readOrEmpty(path.join(n.home, 'log/nodegrid.log'))).toContain(`repo folder ${missing} does not exist: nothing pulled, no work run`);
    // Nothing to run is not work done: the work state is left as it was.
    expect(fs.existsSync(path.join(n.home, 'heartbeat/work.json'))).toBe(false);
  });

  it('named by NODEGRID_REPO_DIR or --repo-dir: the message says which', async () => {
    const n = await nodeWithout();
    const fromEnv = await n.run(['tick', '--now', '--json'], { env: { NODEGRID_REPO_DIR: path.join(n.root, 'nope') } });
    expect(fromEnv.code).toBe(2);
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ repoDirProblem: 'does not exist', pulled: [], worked: false });
    expect(fromEnv.stderr).toContain(`the repo folder ${path.join(n.root, 'nope')} does not exist (set by NODEGRID_REPO_DIR)`);

    fs.writeFileSync(path.join(n.root, 'a-file'), '');
    const fromFlag = await n.run(['tick', '--now', '--repo-dir', path.join(n.root, 'a-file')]);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toContain(`the repo folder ${path.join(n.root, 'a-file')} is not a folder (set by --repo-dir)`);
  });
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    if (!fs.existsSync(current)) return;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(current, entry.name));
      else out.push(path.relative(dir, path.join(current, entry.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/** Alive and not a zombie waiting for a parent that may never reap it (PID 1 in a container). */
function isRunning(pid: number): boolean {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  if (stat === '') return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
