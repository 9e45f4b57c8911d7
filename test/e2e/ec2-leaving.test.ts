import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn, type Ec2StandIn } from '../helpers/ec2-server';
import { createBareRepo, useGitDaemon } from '../helpers/git-server';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { readOrEmpty } from '../helpers/node-files';
import { remoteSubjects } from '../helpers/presence';

/**
 * The cloud asks a node to leave: a Spot interruption notice or an Auto Scaling
 * target lifecycle state in instance metadata (the EC2 stand-in's IMDSv2), read by
 * the real `tick`, which drains, decommissions, delivers to presence (git daemon),
 * chat and tags, and completes the lifecycle hook through the real Auto Scaling SDK.
 */
const ID = 'i-0a1b2c3d4e5f60718';
const grid = useGitDaemon<TestNode>();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

interface LeavingNode {
  node: TestNode;
  server: Ec2StandIn;
  chat: HttpReceiver;
  bare: string;
  env: Record<string, string | undefined>;
  /** Lines the scripts wrote, in order. */
  ran(): string[];
  tick(): Promise<{ code: number | null; json: TickJson; stderr: string }>;
}

interface TickJson {
  leftOnSignal: Array<{ source: string; id: string; left: boolean; state: string; note: string; answered: string | null; pending: number }>;
  leaving: string | null;
}

async function leavingNode(options: { scripts?: Record<string, string>; ec2?: Record<string, unknown> } = {}): Promise<LeavingNode> {
  const server = await startEc2StandIn({ metadata: { instanceId: ID, region: 'us-west-2' } });
  const chat = await startHttpReceiver();
  const node = grid.track(makeTestNode('nodegrid-ec2-leave-'));
  cleanups.push(() => server.close(), () => chat.close());
  server.addInstance({ id: ID });
  server.addAutoScalingGroup({ name: 'fed1-app1', instanceIds: [ID], hooks: ['drain-first'] });
  const bare = createBareRepo(grid.repos(), `grid-${path.basename(node.root)}.git`);

  const repo = path.join(node.root, 'gitrepo/config');
  const ran = path.join(node.root, 'ran');
  fs.mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q');
  const scripts = options.scripts ?? { 'common/drain.sh': 'echo "drain $NODEGRID_STATE $NODEGRID_DEADLINE_SECONDS" >> RAN', 'common/decommission.sh': 'echo "decommission $NODEGRID_STATE" >> RAN' };
  for (const [file, body] of Object.entries(scripts)) {
    fs.mkdirSync(path.dirname(path.join(repo, 'bin/nodework', file)), { recursive: true });
    fs.writeFileSync(path.join(repo, 'bin/nodework', file), `#!/bin/sh\n${body.replaceAll('RAN', `'${ran}'`)}\n`, { mode: 0o755 });
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'scripts');

  node.writeConfig({
    presence: { remote: grid.daemon().url(path.basename(bare)) },
    heartbeat: { repoDir: path.join(node.root, 'gitrepo') },
    chat: { destinations: [{ name: 'ops', type: 'slack', url: chat.url('/hooks/ops'), minIntervalSeconds: 0 }] },
    ec2: { enabled: true, ...options.ec2 },
    outbox: { waitSeconds: 30 },
  });
  const env = awsEnvFor(server);
  for (const args of [['init', '--id', ID, '--deployment', 'fed1', '--nodepart', 'app1', '--initgitrepo', 'config'], ['state', 'set', 'setup'], ['state', 'set', 'initdone'], ['state', 'set', 'running']]) {
    const r = await node.run(args, { env });
    expect(r.code, r.stderr).toBe(0);
  }
  return {
    node,
    server,
    chat,
    bare,
    env,
    ran: () => readOrEmpty(ran).split('\n').filter(Boolean),
    tick: async () => {
      const r = await node.run(['tick', '--now', '--json'], { env, timeoutMs: 120_000 });
      return { code: r.code, json: JSON.parse(r.stdout) as TickJson, stderr: r.stderr };
    },
  };
}

const stateOf = (n: TestNode): string => readOrEmpty(path.join(n.nodeinfo, 'state.txt')).trim();
const documentChanges = (n: LeavingNode): string[] => remoteSubjects(n.bare, 'main', `it/presence/all/${ID}.json`).filter((subject) => !/-> (?:setup|initdone|running)$/.test(subject));
const actions = (server: Ec2StandIn, action: string) => server.autoScalingCalls().filter((call) => call.action === action);

describe('a Spot interruption notice', () => {
  it('drains and decommissions within the time the notice gives, says why in presence and chat, and is acted on once', async () => {
    const n = await leavingNode();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 + 110_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    n.server.setMetadataItem('spot/instance-action', JSON.stringify({ action: 'terminate', time }));

    const first = await n.tick();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.leftOnSignal).toEqual([
      expect.objectContaining({ source: 'spot', id: `spot:terminate:${time}`, left: true, state: 'decommissioned', answered: null, pending: 0 }),
    ]);
    expect(stateOf(n.node)).toBe('decommissioned');
    // The drain had what was left of the notice's two minutes, less what decommission keeps.
    const [drain, decommission] = n.ran();
    expect(Number(/^drain draining (\d+)$/.exec(drain!)?.[1])).toBeGreaterThan(30);
    expect(Number(/^drain draining (\d+)$/.exec(drain!)?.[1])).toBeLessThan(110);
    expect(decommission).toBe('decommission drained');

    const at = `${time.slice(11, 19)} UTC`;
    expect(documentChanges(n)).toEqual([
      `${ID}:fed1/app1: running -> draining`,
      `${ID}:fed1/app1: draining -> drained`,
      `${ID}:fed1/app1: drained -> decommissioned`,
    ]);
    const draining = execFileSync('git', ['--git-dir', n.bare, 'log', '--format=%H', '--fixed-strings', '--grep', 'running -> draining', 'main'], { encoding: 'utf8' }).trim();
    const published = JSON.parse(execFileSync('git', ['--git-dir', n.bare, 'show', `${draining}:it/presence/all/${ID}.json`], { encoding: 'utf8' })) as { value: { note?: string } };
    expect(published.value.note).toBe(`spot interruption: terminate at ${at}`);
    expect(n.chat.requests.map((request) => request.body).join('\n')).toContain(`spot interruption: terminate at ${at}`);
    expect(n.server.tagsOf(ID)?.['add:state']).toBe('decommissioned');
    // Nothing asked Auto Scaling: no hook is configured.
    expect(n.server.autoScalingCalls()).toEqual([]);

    const second = await n.tick();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json.leftOnSignal).toEqual([]);
    expect(second.json.leaving).toBe('decommissioned');
    expect(n.ran()).toHaveLength(2);
    expect(documentChanges(n)).toHaveLength(3);
  });
});

describe('an Auto Scaling lifecycle hook', () => {
  it('drains and decommissions on target state Terminated, then completes the hook with CONTINUE for the group it asked for, once', async () => {
    const n = await leavingNode({ ec2: { autoscaling: { lifecycleHook: 'drain-first', deadlineSeconds: '5m' } } });
    n.server.setTargetLifecycleState(ID, 'InService');
    const staying = await n.tick();
    expect(staying.json.leftOnSignal).toEqual([]);
    expect(stateOf(n.node)).toBe('running');

    n.server.setTargetLifecycleState(ID, 'Terminated');
    const first = await n.tick();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.leftOnSignal).toEqual([
      expect.objectContaining({
        source: 'autoscaling',
        left: true,
        state: 'decommissioned',
        answered: `CompleteLifecycleAction CONTINUE for ${ID} (hook drain-first of fed1-app1)`,
      }),
    ]);
    expect(n.ran()).toEqual([expect.stringMatching(/^drain draining \d+$/), 'decommission drained']);
    expect(documentChanges(n).at(0)).toBe(`${ID}:fed1/app1: running -> draining`);
    expect(n.chat.requests.map((request) => request.body).join('\n')).toContain('autoscaling: target lifecycle state Terminated');

    const completed = actions(n.server, 'CompleteLifecycleAction');
    expect(completed.map((call) => [call.status, Object.fromEntries(call.params)])).toEqual([
      [200, { Action: 'CompleteLifecycleAction', Version: '2011-01-01', AutoScalingGroupName: 'fed1-app1', LifecycleHookName: 'drain-first', InstanceId: ID, LifecycleActionResult: 'CONTINUE' }],
    ]);
    expect(actions(n.server, 'DescribeAutoScalingInstances')).toHaveLength(1);
    // The hook was completed after the last word was delivered: presence had decommissioned first.
    expect(documentChanges(n).at(-1)).toBe(`${ID}:fed1/app1: drained -> decommissioned`);

    const again = await n.tick();
    expect(again.json.leftOnSignal).toEqual([]);
    expect(actions(n.server, 'CompleteLifecycleAction')).toHaveLength(1);
    expect(n.ran()).toHaveLength(2);
  });

  it('keeps the hook waiting with heartbeats while a drain takes long, and abandons it when the drain fails (exit 3, the node stays draining)', async () => {
    const n = await leavingNode({
      scripts: { 'common/drain.sh': 'echo "drain started" >> RAN; sleep 4; echo "3 sessions still open" >&2; exit 7', 'common/decommission.sh': 'echo decommission >> RAN' },
      ec2: { autoscaling: { lifecycleHook: 'drain-first', groupName: 'fed1-app1', heartbeatEverySeconds: 1 } },
    });
    n.server.setTargetLifecycleState(ID, 'Terminated');
    const first = await n.tick();
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('asked to leave (autoscaling), the node stopped draining: drain failed after');
    expect(first.json.leftOnSignal).toEqual([expect.objectContaining({ left: false, state: 'draining', answered: `CompleteLifecycleAction ABANDON for ${ID} (hook drain-first of fed1-app1)` })]);
    expect(stateOf(n.node)).toBe('draining');
    expect(n.ran()).toEqual(['drain started']);

    const heartbeats = actions(n.server, 'RecordLifecycleActionHeartbeat');
    expect(heartbeats.length).toBeGreaterThanOrEqual(1);
    expect(heartbeats.every((call) => call.status === 200 && call.params.get('InstanceId') === ID && call.params.get('LifecycleHookName') === 'drain-first')).toBe(true);
    const completed = actions(n.server, 'CompleteLifecycleAction');
    expect(completed.map((call) => call.params.get('LifecycleActionResult'))).toEqual(['ABANDON']);
    // Heartbeats stop once leaving has ended: none after the completion.
    expect(heartbeats.every((call) => call.at <= completed[0]!.at)).toBe(true);
    // groupName was configured: the group was not looked up.
    expect(actions(n.server, 'DescribeAutoScalingInstances')).toEqual([]);

    const again = await n.tick();
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.leftOnSignal).toEqual([]);
    expect(n.ran()).toEqual(['drain started']);
  });

  it('stays while launched into the warm pool, leaves when returned to it after serving, and completes with CONTINUE after a failed drain when resultOnFailure says so', async () => {
    const n = await leavingNode({ scripts: { 'common/drain.sh': 'exit 1' }, ec2: { autoscaling: { lifecycleHook: 'drain-first', resultOnFailure: 'CONTINUE' } } });
    // First boot into the warm pool: the instance is being prepared to serve, not asked to leave.
    n.server.setTargetLifecycleState(ID, 'Warmed:Stopped');
    const warming = await n.tick();
    expect(warming.code, warming.stderr).toBe(0);
    expect(warming.json.leftOnSignal).toEqual([]);
    expect(stateOf(n.node)).toBe('running');
    expect(actions(n.server, 'CompleteLifecycleAction')).toEqual([]);
    // Pulled into service, then returned to the pool on scale-in: that is leaving.
    n.server.setTargetLifecycleState(ID, 'InService');
    expect((await n.tick()).json.leftOnSignal).toEqual([]);
    n.server.setTargetLifecycleState(ID, 'Warmed:Stopped');
    const first = await n.tick();
    expect(first.code).toBe(3);
    expect(actions(n.server, 'CompleteLifecycleAction').map((call) => call.params.get('LifecycleActionResult'))).toEqual(['CONTINUE']);
  });
});

describe('off EC2', () => {
  it('asks instance metadata nothing, whatever it would say', async () => {
    const n = await leavingNode({ ec2: { enabled: false } });
    n.server.setMetadataItem('spot/instance-action', JSON.stringify({ action: 'terminate', time: new Date(Date.now() + 120_000).toISOString() }));
    const before = n.server.imdsRequests.length;
    const r = await n.tick();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.leftOnSignal).toEqual([]);
    expect(n.server.imdsRequests.length).toBe(before);
    expect(stateOf(n.node)).toBe('running');
  });

  it('a metadata service that does not answer is one log line, not a failed beat', async () => {
    const n = await leavingNode();
    await n.server.close();
    const r = await n.tick();
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(n.node)).toBe('running');
    expect(readOrEmpty(path.join(n.node.home, 'log/nodegrid.log'))).toMatch(/leave signals: ec2 not read: the EC2 instance metadata service at http:\/\/127\.0\.0\.1:\d+ is not reachable/);
  });
});
