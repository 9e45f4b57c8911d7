import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestNode } from '../helpers/cli';
import { queuedEvents, readOrEmpty, readStateLog } from '../helpers/node-files';

describe('concurrent state changes on one node', () => {
  const n = makeTestNode();
  afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

  it('20 concurrent `state set --force` leave exactly 20 new entries, consistent files and gapless sequence numbers', async () => {
    // An exec sink that always fails keeps every event in its queue, so the queue shows the events.
    n.writeConfig({ sinks: { exec: [{ name: 'keep', command: 'exit 1' }] } });
    await n.run(['init', '--id', 'i-0000c0c0', '--deployment', 'fed1', '--nodepart', 'app1']);
    expect((await n.run(['state', 'set', 'setup', '--no-wait'])).code).toBe(0);

    const states = ['initdone', 'running', 'draining', 'drained', 'wedged'];
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => n.run(['state', 'set', states[i % states.length]!, '--force', '--no-wait'])),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);

    const entries = readStateLog(n.nodeinfo);
    expect(entries).toHaveLength(21);
    const last = entries.at(-1)!;
    expect(readOrEmpty(`${n.nodeinfo}/state.txt`)).toBe(`${last.state}\n`);
    expect(readOrEmpty(`${n.nodeinfo}/statetss.txt`)).toBe(`${last.tss}\n`);

    const events = queuedEvents(n.home, 'exec:keep');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    // Each event's `from` is the state the one before it set: the lock serialised them.
    for (let i = 1; i < events.length; i++) expect(events[i]!.from).toBe(events[i - 1]!.state);
    expect(events.map((e) => e.state)).toEqual(entries.map((e) => e.state));
  });
});
