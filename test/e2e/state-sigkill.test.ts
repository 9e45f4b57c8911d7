import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTestNode, nodegridBin } from '../helpers/cli';
import { queuedEvents, readOrEmpty, readStateLog } from '../helpers/node-files';

const KNOWN = new Set(['presetup', 'setup', 'initdone', 'running', 'draining', 'drained', 'wedged', 'decommissioned']);

function startAndKill(env: Record<string, string>, args: string[], killAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [nodegridBin(), ...args], { env: { ...cleanEnv(), ...env }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('state set killed with SIGKILL at random moments', () => {
  const n = makeTestNode();
  afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

  it('never leaves a partial state, an unparsable statelog, a blocking lock, or a change recorded but not queued', async () => {
    n.writeConfig({ sinks: { exec: [{ name: 'keep', command: 'exit 1' }] } });
    await n.run(['init', '--id', 'i-000dead0']);
    // Kill times are spread around how long one run takes on this machine right now, wide
    // enough that under load (four at once, waiting for the lock) some runs still finish.
    const t0 = Date.now();
    expect((await n.run(['state', 'set', 'setup', '--no-wait'])).code).toBe(0);
    const oneRunMs = Date.now() - t0;
    const states = ['setup', 'initdone', 'running', 'draining', 'wedged'];
    let started = 0;
    for (let round = 0; round < 25; round++) {
      // Four at a time, so kills also land while others wait for the lock.
      await Promise.all(
        Array.from({ length: 4 }, () => {
          started++;
          return startAndKill(n.env, ['state', 'set', states[started % states.length]!, '--force', '--no-wait'], oneRunMs * (0.3 + Math.random() * 2.5));
        }),
      );
      const state = readOrEmpty(`${n.nodeinfo}/state.txt`);
      if (state !== '') expect(KNOWN.has(state.trim()) && state.endsWith('\n'), `state.txt = ${JSON.stringify(state)}`).toBe(true);
      readStateLog(n.nodeinfo); // throws on a malformed entry
    }
    expect(started).toBeGreaterThanOrEqual(100);

    // The next call is not blocked by anything the killed ones left behind.
    const after = await n.run(['state', 'set', 'running', '--force', '--no-wait', '--lock-timeout', '5']);
    expect(after.code, after.stderr).toBe(0);

    const entries = readStateLog(n.nodeinfo);
    // Kills landed at different moments: some runs finished, many did not.
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.length).toBeLessThan(started);
    expect(readOrEmpty(`${n.nodeinfo}/state.txt`)).toBe(`${entries.at(-1)!.state}\n`);
    expect(readOrEmpty(`${n.nodeinfo}/statetss.txt`)).toBe(`${entries.at(-1)!.tss}\n`);
    // Every change on the node has exactly one queued event, numbered without gaps:
    // an interrupted change was rolled forward, never half-recorded.
    const events = queuedEvents(n.home, 'exec:keep');
    expect(events.map((e) => e.state)).toEqual(entries.map((e) => e.state));
    expect(events.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(fs.existsSync(`${n.home}/journal/pending.json`)).toBe(false);
  });
});
