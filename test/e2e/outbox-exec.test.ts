import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { queuedEvents, readOrEmpty } from '../helpers/node-files';

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

/** A node whose exec sink appends each event to received.jsonl, but only once `fixed` exists. */
function nodeWithHook(extraCommand = ''): TestNode & { received(): Array<{ seq: number; state: string }>; fix(): void } {
  const n = makeTestNode();
  nodes.push(n);
  const received = path.join(n.root, 'received.jsonl');
  const fixed = path.join(n.root, 'fixed');
  n.writeConfig({ sinks: { exec: [{ name: 'hook', command: `test -f '${fixed}' || { echo "hook not ready" >&2; exit 1; }; cat >> '${received}'${extraCommand}` }] } });
  return Object.assign(n, {
    received: () =>
      readOrEmpty(received)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { seq: number; state: string }),
    fix: () => fs.writeFileSync(fixed, ''),
  });
}

describe('the outbox with an exec sink', () => {
  it('keeps events a failing command refused and delivers them in order once the command is fixed', async () => {
    const n = nodeWithHook();
    await n.run(['init', '--id', 'i-0000e0e0', '--deployment', 'fed1', '--nodepart', 'db1']);
    for (const state of ['setup', 'initdone', 'running']) {
      const r = await n.run(['state', 'set', state]);
      expect(r.code, r.stderr).toBe(0); // recorded on the node even though the hook is down
      expect(r.stderr).toContain('pending: exec:hook');
    }
    const listing = JSON.parse((await n.run(['outbox', '--json'])).stdout);
    expect(listing).toMatchObject([{ sink: 'exec:hook', pending: 3, configured: true }]);
    expect(listing[0].lastError).toContain('hook not ready');

    const stillFailing = await n.run(['outbox', 'flush']);
    expect(stillFailing.code).toBe(4);

    n.fix();
    const flushed = await n.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(n.received().map((e) => [e.seq, e.state])).toEqual([
      [1, 'setup'],
      [2, 'initdone'],
      [3, 'running'],
    ]);
    expect(queuedEvents(n.home, 'exec:hook')).toEqual([]);
    expect(JSON.parse((await n.run(['state', '--json'])).stdout).pending).toEqual({ 'exec:hook': 0 });
  });

  it('delivers the event with the node identity on stdin when the command works', async () => {
    const n = nodeWithHook();
    n.fix();
    await n.run(['init', '--id', 'i-0000e0e1', '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
    const r = await n.run(['state', 'set', 'setup', '--note', 'booted']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('pending');
    expect(n.received()).toEqual([
      expect.objectContaining({ seq: 1, kind: 'state', from: null, state: 'setup', note: 'booted', severity: 'chatty', color: 'yellow', node: { id: 'i-0000e0e1', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1' } }),
    ]);
  });

  it('loses nothing when `state set` is killed between enqueue and delivery', async () => {
    const n = nodeWithHook();
    await n.run(['init', '--id', 'i-0000e0e2']);
    // The hook is slow, so the process is certainly inside delivery when it is killed.
    n.writeConfig({ sinks: { exec: [{ name: 'hook', command: `sleep 2; exit 1` }] } });
    const child = spawn(process.execPath, [nodegridBin(), 'state', 'set', 'setup'], { env: { ...cleanEnv(), ...n.env }, stdio: 'ignore' });
    await waitFor(() => queuedEvents(n.home, 'exec:hook').length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));

    const fresh = nodeWithHook(); // reuse its config text for the fixed hook
    fresh.fix();
    n.writeConfig(fs.readFileSync(fresh.configFile, 'utf8'));
    expect((await n.run(['outbox', 'flush'])).code).toBe(0);
    expect(fresh.received().map((e) => e.state)).toEqual(['setup']);
  });

  it('loses and reorders nothing when `outbox flush` is killed again and again', async () => {
    const n = nodeWithHook('; sleep 0.15');
    await n.run(['init', '--id', 'i-0000e0e3']);
    await n.run(['state', 'set', 'setup', '--no-wait']);
    for (let i = 0; i < 11; i++) await n.run(['state', 'set', i % 2 ? 'running' : 'initdone', '--force', '--no-wait']);
    expect(queuedEvents(n.home, 'exec:hook')).toHaveLength(12);
    n.fix();
    let kills = 0;
    while (queuedEvents(n.home, 'exec:hook').length > 0 && kills < 40) {
      const child = spawn(process.execPath, [nodegridBin(), 'outbox', 'flush'], { env: { ...cleanEnv(), ...n.env }, stdio: 'ignore' });
      setTimeout(() => child.kill('SIGKILL'), 150 + Math.random() * 500);
      await new Promise((resolve) => child.on('close', resolve));
      kills++;
    }
    expect((await n.run(['outbox', 'flush'])).code).toBe(0);
    const seqs = n.received().map((e) => e.seq);
    // At least once, in order: a repeat is only ever the event a kill interrupted.
    const distinct = seqs.filter((seq, i) => i === 0 || seq !== seqs[i - 1]);
    expect(distinct).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(kills).toBeGreaterThan(1);
  });

  it('says a sub-second timeout in ms: a command killed after 300 ms never "timed out after 0 s"', async () => {
    const n = makeTestNode();
    nodes.push(n);
    n.writeConfig({ sinks: { exec: [{ name: 'slow', command: 'sleep 30', timeoutSeconds: '300ms' }] } });
    await n.run(['init', '--id', 'i-0000e0e5']);
    // A wait far beyond the timeout: the command's own 300 ms is what stops it, however slow the start.
    const r = await n.run(['state', 'set', 'setup', '--wait', '30']);
    expect(r.code, r.stderr).toBe(0);
    const log = readOrEmpty(path.join(n.home, 'log', 'nodegrid.log'));
    expect(log).toContain('delivery to exec:slow failed (attempt 1): exec sink slow: timed out after 300 ms');
    expect(log).not.toMatch(/after 0 s/);
    expect(r.stderr).toContain('exec sink slow: timed out after 300 ms');
  });

  it('drops a retired queue only with --yes', async () => {
    const n = nodeWithHook();
    await n.run(['init', '--id', 'i-0000e0e4']);
    await n.run(['state', 'set', 'setup', '--no-wait']);
    const refused = await n.run(['outbox', 'drop', 'exec:hook']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(queuedEvents(n.home, 'exec:hook')).toHaveLength(1);
    const dropped = await n.run(['outbox', 'drop', 'exec:hook', '--yes']);
    expect(dropped.code).toBe(0);
    expect(queuedEvents(n.home, 'exec:hook')).toHaveLength(0);
    expect(readOrEmpty(path.join(n.home, 'log', 'nodegrid.log'))).toContain('outbox queue exec:hook dropped by an operator (1 events)');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
