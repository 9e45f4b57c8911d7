import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestNode } from '../helpers/cli';
import { readStateLog } from '../helpers/node-files';

describe('a lifecycle section in config', () => {
  const n = makeTestNode();
  afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

  it('adds a state and its edges that the CLI then walks, with the configured severity', async () => {
    n.writeConfig(
      [
        'lifecycle:',
        '  states:',
        '    testing: {severity: critical, color: yellow}',
        '    running: {severity: quiet}',
        '  edges:',
        '    - [initdone, testing]',
        '    - {from: testing, to: running}',
        '',
      ].join('\n'),
    );
    await n.run(['init', '--id', 'i-11fec1c1']);
    for (const state of ['setup', 'initdone', 'testing', 'running']) {
      const r = await n.run(['state', 'set', state, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { event } = JSON.parse(r.stdout);
      if (state === 'testing') expect(event).toMatchObject({ severity: 'critical', color: 'yellow', from: 'initdone' });
      if (state === 'running') expect(event.severity).toBe('quiet');
    }
    expect(readStateLog(n.nodeinfo).map((e) => e.state)).toEqual(['setup', 'initdone', 'testing', 'running']);

    // The added state is live by default, so it may go to wedged; the graph still refuses the rest.
    const refused = await n.run(['state', 'set', 'testing']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot go to testing: the current state is running; allowed next: draining, wedged');
    const info = JSON.parse((await n.run(['info', '--json'])).stdout);
    expect(info.states.find((s: { name: string }) => s.name === 'testing')).toMatchObject({ next: expect.arrayContaining(['running', 'wedged']) });
  });

  it('refuses an invalid lifecycle at load, naming the key', async () => {
    n.writeConfig('lifecycle:\n  states:\n    "bad state": {}\n');
    const r = await n.run(['state']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lifecycle.states.bad state: a state name is 1-32 characters');
  });
});
