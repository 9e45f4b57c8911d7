import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { seriesValues, valueOf } from '../helpers/metrics-text';
import { checkMetrics } from '../helpers/promtool';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

interface MetricsNode extends TestNode {
  textfile: string;
  /** Present: the exec sink delivers; absent: it fails (a destination that is down). */
  sinkUp: string;
  metrics(): string;
}

/** A node whose exec sink can be taken down, following a config repo whose work script fails. */
function metricsNode(): MetricsNode {
  const n = makeTestNode('nodegrid-metrics-');
  nodes.push(n);
  const textfile = path.join(n.root, 'textfile_collector', 'nodegrid.prom');
  fs.mkdirSync(path.dirname(textfile));
  const sinkUp = path.join(n.root, 'sink-up');
  const remote = path.join(n.root, 'remote.git');
  const author = path.join(n.root, 'author');
  const repoDir = path.join(n.root, 'gitrepo');
  git(n.root, 'init', '--bare', '-q', remote);
  git(n.root, 'clone', '-q', remote, author);
  fs.mkdirSync(path.join(author, 'bin/nodework/common'), { recursive: true });
  fs.writeFileSync(path.join(author, 'bin/nodework/common/work.sh'), '#!/bin/sh\necho "cannot work" >&2\nexit 1\n', { mode: 0o755 });
  git(author, 'add', '-A');
  git(author, 'commit', '-q', '-m', 'v1');
  git(author, 'push', '-q', 'origin', 'HEAD:main');
  fs.mkdirSync(repoDir);
  git(repoDir, 'clone', '-q', remote, 'config');
  n.writeConfig({
    metrics: { textfile },
    heartbeat: { repoDir, wedgeAfterFailures: 3 },
    outbox: { backoffSeconds: 1 },
    sinks: { exec: [{ name: 'events', command: `test -f '${sinkUp}' && cat > /dev/null`, kinds: ['state', 'notify'] }] },
  });
  return Object.assign(n, { textfile, sinkUp, metrics: () => fs.readFileSync(textfile, 'utf8') });
}

async function ok(n: TestNode, args: string[], codes: number[] = [0]): Promise<void> {
  const r = await n.run(args);
  expect(codes, `${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr).not.toMatch(/metrics textfile/);
}

const current = (text: string): string[] => [...seriesValues(text)].filter(([key, value]) => key.startsWith('nodegrid_node_state{') && value === 1).map(([key]) => key);

describe.runIf(withPrometheus)('the node metrics textfile', () => {
  it('follows the node through its life: state, ages, work failures, and an outbox that fills while its sink is down and drains on flush', async () => {
    const n = metricsNode();
    await ok(n, ['init', '--id', 'i-0000abcd', '--deployment', 'fed1', '--nodepart', 'app1', '--stacktype', 'lad1', '--initgitrepo', 'config']);
    expect(fs.existsSync(n.textfile)).toBe(false);

    await ok(n, ['state', 'set', 'setup', '--wait', '1']);
    let text = n.metrics();
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    expect(text).toMatch(/^nodegrid_node_info\{id="i-0000abcd",deployment="fed1",nodepart="app1",stacktype="lad1",version="[^"]+"\} 1$/m);
    expect(current(text)).toEqual(['nodegrid_node_state{state="setup"}']);
    expect(valueOf(text, 'nodegrid_node_state{state="initdone"}')).toBe(0);
    expect(valueOf(text, 'nodegrid_outbox_pending{sink="exec:events"}')).toBe(1);
    expect(valueOf(text, 'nodegrid_delivery_failures_total{sink="exec:events"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'nodegrid_state_since_seconds')).toBeLessThan(5);
    expect(text).not.toContain('nodegrid_last_tick_timestamp_seconds'); // no tick yet

    // The node has been setting up for an hour (as if statetss were written then).
    const hourAgo = new Date(Date.now() - 3600_000);
    const tss = hourAgo.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    fs.writeFileSync(path.join(n.nodeinfo, 'statetss.txt'), `${tss}\n`);
    await ok(n, ['notify', 'still setting up', '--wait', '1']);
    text = n.metrics();
    expect(valueOf(text, 'nodegrid_state_since_seconds')).toBeGreaterThanOrEqual(3599);
    expect(valueOf(text, 'nodegrid_state_since_seconds')).toBeLessThan(3700);
    expect(valueOf(text, 'nodegrid_outbox_pending{sink="exec:events"}')).toBe(2);
    const failuresBefore = valueOf(text, 'nodegrid_delivery_failures_total{sink="exec:events"}');
    expect(failuresBefore).toBeGreaterThanOrEqual(2);
    expect(valueOf(text, 'nodegrid_outbox_oldest_age_seconds{sink="exec:events"}')).toBeGreaterThanOrEqual(0);

    await ok(n, ['state', 'set', 'initdone', '--wait', '1']);
    text = n.metrics();
    expect(current(text)).toEqual(['nodegrid_node_state{state="initdone"}']);
    expect(valueOf(text, 'nodegrid_node_state{state="setup"}')).toBe(0);
    expect(valueOf(text, 'nodegrid_state_since_seconds')).toBeLessThan(5); // reset by the change
    expect(valueOf(text, 'nodegrid_outbox_pending{sink="exec:events"}')).toBe(3);

    // The destination comes back: a flush drains the queue and the file says so at once.
    fs.writeFileSync(n.sinkUp, '');
    await ok(n, ['outbox', 'flush', '--wait', '10']);
    text = n.metrics();
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    expect(valueOf(text, 'nodegrid_outbox_pending{sink="exec:events"}')).toBe(0);
    expect(valueOf(text, 'nodegrid_outbox_oldest_age_seconds{sink="exec:events"}')).toBe(0);
    expect(valueOf(text, 'nodegrid_delivered_events_total{sink="exec:events"}')).toBe(3);
    expect(valueOf(text, 'nodegrid_delivery_failures_total{sink="exec:events"}')).toBeGreaterThanOrEqual(failuresBefore);

    // Work keeps failing: each tick counts it, and the third wedges the node.
    for (const expected of [1, 2]) {
      const before = Date.now() / 1000;
      await ok(n, ['tick', '--now'], [3]);
      text = n.metrics();
      expect(valueOf(text, 'nodegrid_work_failures_consecutive')).toBe(expected);
      expect(valueOf(text, 'nodegrid_last_tick_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
      expect(valueOf(text, 'nodegrid_last_tick_timestamp_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
      expect(valueOf(text, 'nodegrid_tick_duration_seconds')).toBeGreaterThan(0);
      expect(valueOf(text, 'nodegrid_tick_duration_seconds')).toBeLessThan(30);
      expect(current(text)).toEqual(['nodegrid_node_state{state="initdone"}']);
    }
    await ok(n, ['tick', '--now'], [3]);
    text = n.metrics();
    expect(valueOf(text, 'nodegrid_work_failures_consecutive')).toBe(3);
    expect(current(text)).toEqual(['nodegrid_node_state{state="wedged"}']);
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });

    // A state change between ticks keeps the last tick's values.
    const tickAt = valueOf(text, 'nodegrid_last_tick_timestamp_seconds');
    await ok(n, ['state', 'set', 'setup', '--wait', '1']);
    text = n.metrics();
    expect(valueOf(text, 'nodegrid_last_tick_timestamp_seconds')).toBe(tickAt);
    expect(current(text)).toEqual(['nodegrid_node_state{state="setup"}']);
  });

  it('is replaced atomically: a reader looping through 100 state changes never sees a partial file', async () => {
    const n = metricsNode();
    n.writeConfig({ metrics: { textfile: n.textfile } });
    await ok(n, ['init', '--id', 'i-0000beef', '--deployment', 'fed1', '--nodepart', 'db1']);
    await ok(n, ['state', 'set', 'setup']);
    await ok(n, ['state', 'set', 'initdone']);
    await ok(n, ['state', 'set', 'running']);
    const complete = n.metrics();
    const lastLine = complete.trimEnd().split('\n').at(-1)!;
    expect(lastLine).toMatch(/^nodegrid_work_failures_consecutive 0$/);

    let done = false;
    const seen = new Set<string>();
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const text = fs.readFileSync(n.textfile, 'utf8');
        reads++;
        // Whole means: from the first family to the last, ending in a newline.
        if (!text.startsWith('# HELP nodegrid_node_info ') || !text.endsWith(`${lastLine}\n`)) throw new Error(`partial textfile seen after ${reads} reads:\n${JSON.stringify(text)}`);
        seen.add(text);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    // Four writers at a time: concurrent commands race for the rename too, not only the reader.
    const targets = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 'draining' : 'running'));
    try {
      for (let i = 0; i < targets.length; i += 4) {
        await Promise.all(targets.slice(i, i + 4).map((state) => n.run(['state', 'set', state, '--force', '--no-wait'])));
      }
    } finally {
      done = true;
      await reader;
    }
    expect(reads).toBeGreaterThan(100);
    expect(seen.size).toBeGreaterThan(1);
    for (const text of [...seen].slice(0, 5)) expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    // No temporary file is left in the collector's folder.
    expect(fs.readdirSync(path.dirname(n.textfile))).toEqual(['nodegrid.prom']);
  });

  it('costs nothing when metrics.textfile is unset, and a bad path is a config error naming what to do', async () => {
    const n = makeTestNode('nodegrid-metrics-off-');
    nodes.push(n);
    await ok(n, ['init', '--id', 'i-0000cafe']);
    await ok(n, ['state', 'set', 'setup']);
    fs.mkdirSync(path.join(n.root, 'gitrepo'));
    await ok(n, ['tick', '--now', '--repo-dir', path.join(n.root, 'gitrepo')]);
    expect(fs.existsSync(path.join(n.home, 'metrics'))).toBe(false);
    expect(fs.readdirSync(n.root).filter((name) => name.endsWith('.prom'))).toEqual([]);

    n.writeConfig({ metrics: { textfile: path.join(n.root, 'nodegrid.txt') } });
    const wrongName = await n.run(['state']);
    expect(wrongName.code).toBe(2);
    expect(wrongName.stderr).toMatch(/metrics\.textfile.*\.prom/s);
    n.writeConfig({ metrics: { textfile: 'relative/nodegrid.prom' } });
    expect((await n.run(['state'])).stderr).toMatch(/absolute path/);

    // A folder that does not exist: the change is still recorded, and the warning says what to check.
    n.writeConfig({ metrics: { textfile: path.join(n.root, 'missing', 'nodegrid.prom') } });
    const r = await n.run(['state', 'set', 'initdone']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/metrics textfile .*missing\/nodegrid\.prom not written: .*folder exists/);
    expect(n.read('nodeinfo/state.txt')).toBe('initdone\n');
  });
});
