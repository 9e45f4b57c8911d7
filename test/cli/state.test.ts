import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';

const nodes: TestNode[] = [];
function node(): TestNode {
  const n = makeTestNode();
  nodes.push(n);
  return n;
}
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

describe('nodegrid state', () => {
  it('walks a node through init, setup and initdone, writing the original nodeinfo files', async () => {
    const n = node();
    expect((await n.run(['init', '--id', 'i-4e7cb59a', '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1'])).code).toBe(0);
    const setup = await n.run(['state', 'set', 'setup']);
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('none -> setup (i-4e7cb59a:fed1/db1)');
    expect((await n.run(['state', 'set', 'initdone', '--note', 'init took 104 s'])).code).toBe(0);

    expect(n.read('nodeinfo/instance-id.txt')).toBe('i-4e7cb59a\n');
    expect(n.read('nodeinfo/deployment.txt')).toBe('fed1\n');
    expect(n.read('nodeinfo/state.txt')).toBe('initdone\n');
    const statelog = n.read('nodeinfo/statelog.txt')!;
    expect(statelog).toMatch(/^setup:\d{8}-\d{6};initdone:\d{8}-\d{6};$/);
    expect(n.read('nodeinfo/statetss.txt')).toBe(`${/initdone:(\d{8}-\d{6});$/.exec(statelog)![1]}\n`);

    const log = n.read('home/log/nodegrid.log')!;
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ i-4e7cb59a:fed1\/db1: setup -> initdone \(init took 104 s\)$/m);

    const shown = await n.run(['state']);
    expect(shown.stdout).toMatch(/^initdone since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(i-4e7cb59a:fed1\/db1\)\nnote: init took 104 s\n$/);
    const json = JSON.parse((await n.run(['state', '--json'])).stdout);
    expect(json).toMatchObject({ id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', state: 'initdone', pending: {} });
    expect(json.statelog.map((e: { state: string }) => e.state)).toEqual(['setup', 'initdone']);
    const logJson = JSON.parse((await n.run(['state', 'log', '--json'])).stdout);
    expect(logJson).toHaveLength(2);
  });

  it('refuses setup -> presetup, names the current state and the allowed next states, and changes nothing', async () => {
    const n = node();
    await n.run(['init', '--id', 'n1']);
    await n.run(['state', 'set', 'setup']);
    const before = fs.readFileSync(path.join(n.nodeinfo, 'statelog.txt'), 'utf8');
    const refused = await n.run(['state', 'set', 'presetup']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot go to presetup: the current state is setup; allowed next: initdone, wedged');
    expect(fs.readFileSync(path.join(n.nodeinfo, 'statelog.txt'), 'utf8')).toBe(before);
    expect(n.read('nodeinfo/state.txt')).toBe('setup\n');
  });

  it('treats setting the current state again as a no-op unless forced', async () => {
    const n = node();
    await n.run(['init', '--id', 'n1']);
    await n.run(['state', 'set', 'setup']);
    const again = await n.run(['state', 'set', 'setup']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already setup');
    expect(n.read('nodeinfo/statelog.txt')!.split(';').filter(Boolean)).toHaveLength(1);
    expect((await n.run(['state', 'set', 'setup', '--force'])).code).toBe(0);
    expect(n.read('nodeinfo/statelog.txt')!.split(';').filter(Boolean)).toHaveLength(2);
  });

  it('works on a nodeinfo folder written by a launch template, with no config and no state yet', async () => {
    const n = node();
    fs.mkdirSync(n.nodeinfo, { recursive: true });
    fs.writeFileSync(path.join(n.nodeinfo, 'instance-id.txt'), 'i-0123abcd\n');
    fs.writeFileSync(path.join(n.nodeinfo, 'deployment.txt'), 'fed1\n');
    const result = await n.run(['state', 'set', 'setup'], { env: { NODEGRID_CONFIG: path.join(n.root, 'absent', 'config.yaml') } });
    // A config the user names must exist; the default location may be absent.
    expect(result.code).toBe(2);
    const noConfig = await n.run(['--config', '', 'state', 'set', 'setup'], { env: { NODEGRID_CONFIG: '', HOME: n.root, XDG_CONFIG_HOME: path.join(n.root, 'xdg') } });
    expect(noConfig.stderr).toBe('');
    expect(noConfig.code).toBe(0);
    expect(n.read('nodeinfo/state.txt')).toBe('setup\n');
  });

  it('lets any live state go to wedged and wedged back to setup', async () => {
    const n = node();
    await n.run(['init', '--id', 'n1']);
    for (const state of ['setup', 'initdone', 'running', 'wedged', 'setup']) {
      const r = await n.run(['state', 'set', state]);
      expect(r.code, `${state}: ${r.stderr}`).toBe(0);
    }
  });
});
