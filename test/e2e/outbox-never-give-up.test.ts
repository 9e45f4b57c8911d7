import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBareRepo, freePort, useGitDaemon } from '../helpers/git-server';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { valueOf } from '../helpers/metrics-text';
import { pendingPresenceEvents, presenceNode, remoteSubjects } from '../helpers/presence';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { initNode } from './chat-setup';

const ID = 'i-4e7cb59a';
const DOC = `it/presence/all/${ID}.json`;
/** Time compressed by config: retries a second apart, capped at two, set aside (where allowed) after two refusals. */
const FAST_OUTBOX = { backoffSeconds: '1s', maxBackoffSeconds: '2s', maxPermanentFailures: 2, waitSeconds: 5 };

const grid = useGitDaemon<TestNode>();
const receivers: HttpReceiver[] = [];
const track = grid.track;

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

function withTextfile(n: TestNode): string {
  const textfile = path.join(n.root, 'textfile_collector', 'nodegrid.prom');
  fs.mkdirSync(path.dirname(textfile));
  return textfile;
}

function log(n: TestNode): string {
  return n.read('home/log/nodegrid.log') ?? '';
}

function setAsideFiles(n: TestNode, sink: string): string[] {
  try {
    return fs.readdirSync(path.join(n.home, 'outbox', sink, 'failed'));
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a presence change is never given up', () => {
  it('keeps every change queued through many refusals of a pre-receive hook, then delivers them all in order once it is lifted', async () => {
    const bare = createBareRepo(grid.repos(), 'refusing.git', { rejectWith: 'presence writes are frozen' });
    const n = track(await presenceNode(grid.daemon().url('refusing.git'), ID, {}, { outbox: FAST_OUTBOX }));
    const repoDir = path.join(n.root, 'repos');
    fs.mkdirSync(repoDir); // a node that follows no repos (a named folder that is not there is exit 2)
    for (const state of ['setup', 'initdone', 'running']) {
      const r = await n.run(['state', 'set', state]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('pre-receive hook declined');
    }
    // Far more refusals than maxPermanentFailures, from both kinds of caller: flush tries now, the beat honours the backoff.
    for (let round = 0; round < 4; round++) {
      const flush = await n.run(['outbox', 'flush', '--wait', '5']);
      expect(flush.code).toBe(4);
      expect(flush.stderr).toContain('presence writes are frozen');
      await sleep(1000);
      const tick = await n.run(['tick', '--now', '--repo-dir', repoDir]);
      expect(tick.code, tick.stderr).toBe(0); // not stuck yet: outbox.stuckAfterSeconds is ten minutes
    }

    const status = JSON.parse(n.read(`home/outbox/presence:origin/status.json`)!);
    expect(status.permanentFailures).toBeGreaterThan(FAST_OUTBOX.maxPermanentFailures);
    // Capped backoff: never more than maxBackoffSeconds between two tries.
    expect(Date.parse(status.nextAttemptAt) - Date.parse(status.lastAttemptAt)).toBeLessThanOrEqual(2000);
    expect(setAsideFiles(n, 'presence:origin')).toEqual([]);
    expect(pendingPresenceEvents(n).filter((name) => name.includes('-state-'))).toHaveLength(3);
    expect(log(n)).toMatch(/CRITICAL: presence:origin refused 2 deliveries in a row; its events stay queued and are retried with backoff .* until delivered/);
    expect(log(n)).not.toMatch(/set aside event/);

    const listing = JSON.parse((await n.run(['outbox', '--json'])).stdout);
    expect(listing[0]).toMatchObject({ sink: 'presence:origin', setAside: 0, stuck: false });
    expect(listing[0].events.filter((e: { kind: string }) => e.kind === 'state').map((e: { summary: string }) => e.summary)).toEqual([
      `${ID}:fed1/db1: none -> setup`,
      `${ID}:fed1/db1: setup -> initdone`,
      `${ID}:fed1/db1: initdone -> running`,
    ]);

    // An older nodegrid gave the first change up into failed/: the next delivery puts it back.
    const first = pendingPresenceEvents(n).sort()[0]!;
    fs.mkdirSync(path.join(n.home, 'outbox', 'presence:origin', 'failed'));
    fs.renameSync(path.join(n.home, 'outbox', 'presence:origin', first), path.join(n.home, 'outbox', 'presence:origin', 'failed', first));

    fs.rmSync(path.join(bare, 'hooks', 'pre-receive'));
    const lifted = await n.run(['outbox', 'flush']);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(remoteSubjects(bare, 'main', DOC)).toEqual([`${ID}:fed1/db1: none -> setup`, `${ID}:fed1/db1: setup -> initdone`, `${ID}:fed1/db1: initdone -> running`]);
    expect(pendingPresenceEvents(n)).toEqual([]);
    expect(setAsideFiles(n, 'presence:origin')).toEqual([]);
    expect(log(n)).toContain(`presence:origin: put 1 set-aside event back in the queue (a presence change is never given up): ${first}`);
  });
});

describe('other sinks set a refused event aside, loudly, until `outbox retry`', () => {
  it('sets a 410 chat event aside with a CRITICAL line, shows it in outbox, state, doctor and the metrics, and retry delivers it once the destination is fixed', async () => {
    const receiver = await startHttpReceiver();
    receivers.push(receiver);
    const n = track(makeTestNode('nodegrid-retry-'));
    const textfile = withTextfile(n);
    n.writeConfig({
      chat: { destinations: [{ name: 'ops', type: 'slack', url: receiver.url('/services/TEXAMPLE/BEXAMPLE/opsSecretEXAMPLE') }] },
      outbox: FAST_OUTBOX,
      metrics: { textfile },
    });
    await initNode(n);
    receiver.setDefault({ status: 410, body: 'webhook_deleted' });

    expect((await n.run(['state', 'set', 'setup'])).code).toBe(0);
    const second = await n.run(['outbox', 'flush']);
    expect(second.code).toBe(0); // nothing pending any more: the event is set aside
    expect(second.stderr).toContain('chat:ops: 1 event set aside after the destination kept refusing it; fix the destination, then: nodegrid outbox retry chat:ops');
    expect(log(n)).toMatch(/CRITICAL: set aside event 1 for chat:ops after 2 refusals; not sent again until `nodegrid outbox retry chat:ops`: .*HTTP 410/);
    expect(setAsideFiles(n, 'chat:ops')).toHaveLength(1);

    const listing = await n.run(['outbox']);
    expect(listing.stdout.split('\n')[0]).toBe('set aside: chat:ops: 1 event set aside after the destination kept refusing it; fix the destination, then: nodegrid outbox retry chat:ops');
    expect(listing.stdout).toMatch(/^chat:ops: delivered \(1 set aside\)$/m);
    expect(listing.stdout).not.toContain('opsSecretEXAMPLE');
    expect((await n.run(['state'])).stderr).toContain('warning: chat:ops: 1 event set aside');
    expect(valueOf(fs.readFileSync(textfile, 'utf8'), 'nodegrid_outbox_set_aside{sink="chat:ops"}')).toBe(1);
    const doctor = await n.run(['doctor']);
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toMatch(/^PROBLEM set aside chat:ops: 1 event set aside after the destination kept refusing it: .*HTTP 410.*; fix the destination in the config, then: nodegrid outbox retry chat:ops$/m);
    expect(doctor.stdout).not.toContain('opsSecretEXAMPLE');

    // Still refusing: retry puts it back, it is refused again and set aside again, and retry says so.
    const early = await n.run(['outbox', 'retry', 'chat:ops']);
    expect(early.code).toBe(4);
    expect(early.stdout).toContain('put back 1 set-aside event (chat:ops 1)');
    expect(setAsideFiles(n, 'chat:ops')).toHaveLength(0); // one refusal is not enough to set it aside again …
    expect(JSON.parse((await n.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ sink: 'chat:ops', pending: 1, setAside: 0 });

    receiver.setDefault({ status: 200, body: 'ok' });
    const retried = await n.run(['outbox', 'retry']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain('nothing was set aside');
    expect(retried.stdout).toContain('delivered 1 event; 0 pending');
    expect(receiver.requests.filter((r) => r.status === 200)).toHaveLength(1);
    expect(JSON.parse((await n.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ sink: 'chat:ops', pending: 0, setAside: 0 });
    expect(valueOf(fs.readFileSync(textfile, 'utf8'), 'nodegrid_outbox_set_aside{sink="chat:ops"}')).toBe(0);
    expect(log(n)).toContain('outbox retry by an operator: 1 set-aside event of chat:ops put back in the queue');
  });

  it('retry sends several set-aside events again in their original order', async () => {
    const receiver = await startHttpReceiver();
    receivers.push(receiver);
    const n = track(makeTestNode('nodegrid-retry-'));
    n.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'slack', url: receiver.url('/hooks/ops') }] }, outbox: { ...FAST_OUTBOX, maxPermanentFailures: 1 } });
    await initNode(n);
    receiver.setDefault({ status: 404, body: 'no_service' });
    for (const state of ['setup', 'initdone', 'running']) expect((await n.run(['state', 'set', state])).code).toBe(0);
    expect(setAsideFiles(n, 'chat:ops')).toHaveLength(3);

    receiver.setDefault({ status: 200, body: 'ok' });
    const retried = await n.run(['outbox', 'retry', 'chat:ops']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain('put back 3 set-aside events (chat:ops 3)');
    // One digest or three posts: either way oldest first.
    const delivered = receiver.requests.filter((r) => r.status === 200).map((r) => r.body).join('\n');
    expect(delivered).toMatch(/none -(&gt;|>) setup[\s\S]*setup -(&gt;|>) initdone[\s\S]*initdone -(&gt;|>) running/);
    expect(setAsideFiles(n, 'chat:ops')).toEqual([]);
  });

  it('refuses to retry a queue that does not exist, naming the ones that do', async () => {
    const n = track(makeTestNode('nodegrid-retry-'));
    n.writeConfig({ sinks: { exec: [{ name: 'hook', command: 'cat >/dev/null' }] } });
    await initNode(n);
    const r = await n.run(['outbox', 'retry', 'chat:nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no outbox queue named "chat:nope"; queues: exec:hook');
  });
});

describe('stuck delivery is loud', () => {
  it('tick records the beat, logs the stuck sink on every beat and exits 5; state and outbox show it first; the textfile carries the age', async () => {
    const port = await freePort(); // nothing listens: every delivery fails
    const n = track(await presenceNode(`git://127.0.0.1:${port}/grid.git`, ID, {}, { outbox: FAST_OUTBOX }));
    const textfile = withTextfile(n);
    const repoDir = path.join(n.root, 'repos');
    fs.mkdirSync(repoDir); // a node that follows no repos (a named folder that is not there is exit 2)
    const config = (stuckAfterSeconds: string) => n.writeConfig({ presence: { remote: `git://127.0.0.1:${port}/grid.git` }, outbox: { ...FAST_OUTBOX, stuckAfterSeconds }, metrics: { textfile } });

    config('10m');
    expect((await n.run(['state', 'set', 'setup', '--no-wait'])).code).toBe(0);
    const calm = await n.run(['tick', '--now', '--repo-dir', repoDir]);
    expect(calm.code, calm.stderr).toBe(0);
    expect(calm.stderr).not.toContain('delivery stuck');

    config('1s');
    await sleep(1500);
    for (let beat = 1; beat <= 2; beat++) {
      const startedAt = Math.floor(Date.now() / 1000);
      const stuck = await n.run(['tick', '--now', '--repo-dir', repoDir]);
      expect(stuck.code, stuck.stderr).toBe(5);
      expect(stuck.stdout).toMatch(/^beat: /);
      // The beat was recorded (and the textfile written) before the exit code.
      expect(valueOf(fs.readFileSync(textfile, 'utf8'), 'nodegrid_last_tick_timestamp_seconds')).toBeGreaterThanOrEqual(startedAt);
      expect(stuck.stderr).toMatch(/warning: delivery stuck: presence:origin: \d+ pending, oldest \d+ s ago, undelivered for longer than 1 s; last error: .*127\.0\.0\.1/);
      expect(stuck.stderr).toContain('error: delivery stuck for presence:origin');
      expect(log(n).split('\n').filter((line) => line.includes('CRITICAL: delivery stuck: presence:origin'))).toHaveLength(beat);
    }
    // The beat still happened: a heartbeat event was queued behind the stuck change.
    expect(pendingPresenceEvents(n).some((name) => name.includes('-heartbeat-'))).toBe(true);
    expect(valueOf(fs.readFileSync(textfile, 'utf8'), 'nodegrid_outbox_oldest_age_seconds{sink="presence:origin"}')).toBeGreaterThanOrEqual(1);

    const state = await n.run(['state']);
    expect(state.code).toBe(0);
    expect(state.stderr.split('\n')[0]).toMatch(/^warning: delivery stuck: presence:origin: \d+ pending, oldest/);
    expect(state.stdout).toMatch(/^setup since /);
    const stateJson = JSON.parse((await n.run(['state', '--json'])).stdout);
    expect(stateJson.stuck).toEqual([expect.objectContaining({ sink: 'presence:origin' })]);

    const outbox = await n.run(['outbox']);
    expect(outbox.stdout.split('\n')[0]).toMatch(/^delivery stuck: presence:origin: \d+ pending, oldest \d+ s ago, undelivered for longer than 1 s; last error: /);
    expect(outbox.stdout).toMatch(/^presence:origin: \d+ pending \(oldest \d+ s ago, STUCK/m);
    expect(JSON.parse((await n.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ sink: 'presence:origin', stuck: true });
  });
});
