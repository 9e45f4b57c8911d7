import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { configRepoRemote, examplesDir, git } from '../helpers/examples';

const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) fs.rmSync(n.root, { recursive: true, force: true });
});

const ORDER = ['bin/nodework/common/work.sh', 'bin/nodework/part/app1/work.sh', 'bin/nodework/stacktype/lad1/work.sh', 'bin/nodework/stacktype/lad1/part/app1/work.sh'];

describe('examples/config-repo', () => {
  it('holds the documented hierarchy, every script executable', () => {
    for (const script of [...ORDER, 'bin/nodeinit/common/init.sh']) {
      const stat = fs.statSync(path.join(examplesDir, 'config-repo', script));
      expect(stat.mode & 0o111, `${script} is not executable`).not.toBe(0);
    }
  });

  it('runs its work scripts in the documented order on an app1 node of lad1, which finds its db1 partner through presence', async () => {
    const app = makeTestNode();
    const db = makeTestNode();
    nodes.push(app, db);
    const presence = path.join(app.root, 'presence.git');
    git(app.root, 'init', '--bare', '-q', presence);
    const remote = configRepoRemote(path.join(app.root, 'git'), 'grid-config');
    const repoDir = path.join(app.root, 'gitrepo');
    fs.mkdirSync(repoDir);
    git(repoDir, 'clone', '-q', remote.bare, 'grid-config');

    // The work script calls `nodegrid find`: the node's PATH has nodegrid on it, as after an install.
    const bin = path.join(app.root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'nodegrid'), `#!/bin/sh\nexec '${process.execPath}' '${nodegridBin()}' "$@"\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };

    app.writeConfig({ presence: { remote: presence }, heartbeat: { repoDir } });
    await app.run(['init', '--id', 'i-0a990001', '--deployment', 'fed1', '--nodepart', 'app1', '--stacktype', 'lad1', '--initgitrepo', 'grid-config']);
    expect((await app.run(['state', 'set', 'setup'])).code).toBe(0);
    expect((await app.run(['state', 'set', 'initdone'])).code).toBe(0);

    const first = await app.run(['tick', '--now', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ worked: true, workOk: true });
    expect(result.scripts.map((s: { script: string }) => s.script)).toEqual(ORDER);
    const log = (): string[] => fs.readFileSync(path.join(app.home, 'log/nodegrid.log'), 'utf8').split('\n').filter((line) => line.includes(' work bin/'));
    const lines = log();
    expect(lines.map((line) => /work (bin\/\S+):/.exec(line)?.[1])).toEqual([...ORDER.slice(0, 3), ORDER[3], ORDER[3]]);
    expect(lines[0]).toContain('common: i-0a990001 is fed1/app1 of lad1 (first run..');
    expect(lines[4]).toContain('no live db1 yet; keeping the current settings');

    // A db1 joins; a change to the repo runs the work again, and app1 now finds it.
    db.writeConfig({ presence: { remote: presence, fields: ['hostname'] } });
    await db.run(['init', '--id', 'i-0db90001', '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
    await db.run(['state', 'set', 'setup']);
    expect((await db.run(['state', 'set', 'initdone'])).code).toBe(0);
    expect((await db.run(['presence', 'heartbeat', '--force'])).code).toBe(0);
    fs.appendFileSync(path.join(remote.author, 'conf/app1.env'), 'APP1_WORKERS=8\n');
    remote.publish('more workers');
    const second = await app.run(['tick', '--now', '--json'], { env });
    expect(JSON.parse(second.stdout)).toMatchObject({ worked: true, workOk: true });
    expect(log().at(-1)).toMatch(/work bin\/nodework\/stacktype\/lad1\/part\/app1\/work\.sh: db1 partners: \S+/);
  });

  it('stops at the first failing script and names it', async () => {
    const n = makeTestNode();
    nodes.push(n);
    const remote = configRepoRemote(path.join(n.root, 'git'), 'grid-config');
    fs.rmSync(path.join(remote.author, 'conf/app1.env'));
    remote.publish('lose the app settings');
    const repoDir = path.join(n.root, 'gitrepo');
    fs.mkdirSync(repoDir);
    git(repoDir, 'clone', '-q', remote.bare, 'grid-config');
    n.writeConfig({ heartbeat: { repoDir } });
    await n.run(['init', '--id', 'i-0a990002', '--deployment', 'fed1', '--nodepart', 'app1', '--stacktype', 'lad1', '--initgitrepo', 'grid-config']);
    await n.run(['state', 'set', 'setup']);
    const tick = await n.run(['tick', '--now', '--json']);
    expect(tick.code).toBe(3);
    expect(JSON.parse(tick.stdout).scripts.map((s: { script: string; ok: boolean }) => [s.script, s.ok])).toEqual([
      [ORDER[0], true],
      [ORDER[1], false],
    ]);
  });
});
