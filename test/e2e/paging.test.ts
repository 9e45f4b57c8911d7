import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';
import { generatePresence, writeBeat } from '../helpers/grid-fixture.mjs';
import { startNtfyStandIn } from '../helpers/ntfy-server';
import { OPSGENIE_TEST_KEY, startOpsgenieStandIn } from '../helpers/opsgenie-server';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../helpers/pagerduty-server';
import { startSmtpServer } from '../helpers/smtp-server';

/**
 * Paging end to end: the real CLI, a PagerDuty stand-in on loopback speaking
 * Events API v2, presence in a git daemon. A node's own wedge opens one
 * incident and its next change resolves it; the monitor opens and resolves
 * what it sees (stale) and, under self-preservation, one grid-wide incident;
 * a burst goes through the rate limit without losing one; an outage delays,
 * never loses, and keeps the order.
 */
const ROUTING_KEY = 'nodegridPagingTestRoutingKey0001';
const git = useGitDaemon<TestNode>();
let pagerduty: PagerDutyStandIn;
// A PagerDuty of its own for each test: fixture grids reuse node ids.
beforeEach(async () => {
  pagerduty = await startPagerDutyStandIn({ routingKeys: [ROUTING_KEY] });
});
afterEach(async () => pagerduty.close());

const destination = (extra: Record<string, unknown> = {}) => ({ paging: { destinations: [{ name: 'oncall', type: 'pagerduty', routingKey: ROUTING_KEY, url: pagerduty.url, ...extra }] } });
const incidentsOf = (id: string) => pagerduty.incidents().filter((incident) => incident.dedupKey.startsWith(`nodegrid/${id}/`));

async function ok(node: TestNode, args: string[]): Promise<string> {
  const r = await node.run(args, { timeoutMs: 120_000 });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('a node pages about itself', () => {
  it('opens exactly one incident when it wedges, resolves it on its next change, and after an outage delivers both in order', async () => {
    const n = git.track(makeTestNode('nodegrid-paging-'));
    n.writeConfig({ ...destination({ via: 'node' }), grid: { dashboardUrl: 'https://grid.example.com/' } });
    await ok(n, ['init', '--id', 'i-0a1b2c3d', '--deployment', 'fed1', '--nodepart', 'db1']);
    for (const state of ['presetup', 'setup', 'initdone']) await ok(n, ['state', 'set', state]);
    expect(incidentsOf('i-0a1b2c3d')).toEqual([]);

    // sinks test: a test incident opened and resolved at once, reported per destination; the key never shown.
    const tested = JSON.parse(await ok(n, ['sinks', 'test', '--json'])) as Array<{ sink: string; ok: boolean; url: string }>;
    expect(tested).toEqual([expect.objectContaining({ sink: 'page:oncall', ok: true, url: `pagerduty:oncall (${pagerduty.url})` })]);
    expect(pagerduty.incidents()).toEqual([expect.objectContaining({ severity: 'info', status: 'resolved', summary: 'nodegrid test from i-0a1b2c3d:fed1/db1: paging works (resolved at once)' })]);
    expect(JSON.stringify(tested)).not.toContain(ROUTING_KEY);
    const chatOnly = await n.run(['chat', 'test']);
    expect(chatOnly.code).toBe(2);
    expect(chatOnly.stderr).toContain('no chat destinations are configured');
    pagerduty.incidents().splice(0);

    await ok(n, ['state', 'set', 'wedged', '--note', 'bin/nodework/part/db1/10-migrate.sh exit 3: relation "x" exists']);
    await ok(n, ['notify', 'still wedged, looking into it']);
    const [incident] = incidentsOf('i-0a1b2c3d');
    expect(incidentsOf('i-0a1b2c3d')).toHaveLength(1);
    expect(incident).toMatchObject({
      dedupKey: 'nodegrid/i-0a1b2c3d/wedged',
      status: 'triggered',
      alerts: 1,
      severity: 'critical',
      source: 'i-0a1b2c3d',
      summary: expect.stringMatching(/^i-0a1b2c3d:fed1\/db1 wedged since \d\d:\d\d UTC: bin\/nodework\/part\/db1\/10-migrate\.sh exit 3: relation "x" exists$/),
      links: [{ href: 'https://grid.example.com/#node/i-0a1b2c3d', text: 'i-0a1b2c3d on the nodegrid dashboard' }],
    });
    await ok(n, ['state', 'set', 'setup', '--note', 'volume attached']);
    expect(incidentsOf('i-0a1b2c3d').map((i) => i.status)).toEqual(['resolved']);

    // PagerDuty is down: the wedge and its end wait in the outbox, and arrive in order once it is back.
    pagerduty.failWith(503);
    await n.run(['state', 'set', 'wedged', '--note', 'disk full', '--wait', '1']);
    await n.run(['state', 'set', 'decommissioned', '--force', '--wait', '1']);
    expect(incidentsOf('i-0a1b2c3d')).toHaveLength(1);
    pagerduty.failWith(undefined);
    await ok(n, ['outbox', 'flush']);
    expect(incidentsOf('i-0a1b2c3d').map((i) => [i.summary.replace(/ since \d\d:\d\d UTC/, ''), i.status])).toEqual([
      [expect.stringContaining('wedged: bin/nodework/part/db1/10-migrate.sh'), 'resolved'],
      ['i-0a1b2c3d:fed1/db1 wedged: disk full', 'resolved'],
    ]);
    const events = pagerduty.received.filter((r) => r.status === 202 && String(r.body.dedup_key).startsWith('nodegrid/i-0a1b2c3d/') && !String(r.body.dedup_key).includes('/test-')).map((r) => r.body.event_action);
    expect(events).toEqual(['trigger', 'resolve', 'trigger', 'resolve']);
  });
});

describe('every kind of pager, through the outbox', () => {
  it('a wedge opens exactly one incident on each (PagerDuty, Opsgenie, email over STARTTLS with a login, ntfy) and the next change resolves each', async () => {
    const opsgenie = await startOpsgenieStandIn();
    const ntfy = await startNtfyStandIn({ tokens: ['tk_nodegridpagingtest0001'] });
    const smtp = await startSmtpServer({ mode: 'starttls', user: 'pager', password: 'smtp-secret-9f2c' });
    try {
      const n = git.track(makeTestNode('nodegrid-pagers-'));
      n.writeConfig({
        paging: {
          destinations: [
            { name: 'pd', type: 'pagerduty', routingKey: ROUTING_KEY, url: pagerduty.url },
            { name: 'genie', type: 'opsgenie', apiKey: OPSGENIE_TEST_KEY, url: opsgenie.url },
            { name: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, user: 'pager', password: 'smtp-secret-9f2c', caFile: smtp.caFile, from: 'nodegrid <pager@nodegrid.test>', to: ['oncall@ops.test'] },
            { name: 'phone', type: 'ntfy', server: ntfy.url, topic: 'fed1-pages', token: 'tk_nodegridpagingtest0001' },
          ],
        },
      });
      await ok(n, ['init', '--id', 'i-0f1e2d3c', '--deployment', 'fed1', '--nodepart', 'db1']);
      for (const state of ['presetup', 'setup', 'initdone']) await ok(n, ['state', 'set', state]);
      await ok(n, ['state', 'set', 'wedged', '--note', 'work failed 2 times']);
      await ok(n, ['notify', 'looking into it']);
      await ok(n, ['state', 'set', 'setup', '--note', 'volume attached']);

      const key = 'nodegrid/i-0f1e2d3c/wedged';
      expect(pagerduty.incidents()).toEqual([expect.objectContaining({ dedupKey: key, alerts: 1, status: 'resolved' })]);
      expect(opsgenie.alerts).toEqual([expect.objectContaining({ alias: key, count: 1, status: 'closed' })]);
      expect(smtp.messages().map((m) => [m.subject, m.login, m.tls !== null])).toEqual([
        ['[nodegrid] TRIGGER i-0f1e2d3c:fed1/db1 wedged', 'pager', true],
        ['[nodegrid] RESOLVED i-0f1e2d3c:fed1/db1 wedged', 'pager', true],
      ]);
      expect(ntfy.messages('fed1-pages').map((m) => [m.priority, m.title])).toEqual([
        [5, expect.stringMatching(/^i-0f1e2d3c:fed1\/db1 wedged since \d\d:\d\d UTC: work failed 2 times$/)],
        [3, 'i-0f1e2d3c:fed1/db1 is no longer wedged: now setup (volume attached)'],
      ]);
      // Nothing secret in what the node printed or logged.
      const outbox = await ok(n, ['outbox', '--json']);
      const log = n.read('home/log/nodegrid.log') ?? '';
      expect(log).toContain('initdone -> wedged');
      for (const secret of ['smtp-secret-9f2c', 'tk_nodegridpagingtest0001', OPSGENIE_TEST_KEY, ROUTING_KEY]) {
        expect(outbox).not.toContain(secret);
        expect(log).not.toContain(secret);
      }
    } finally {
      await Promise.all([opsgenie.close(), ntfy.close(), smtp.close()]);
    }
  });
});

describe('the monitor pages about what it sees', () => {
  async function grid(prefix: string, alive: number) {
    const bare = createBareRepo(git.repos(), `${prefix}.git`);
    const url = git.daemon().url(`${prefix}.git`);
    const watcher = git.track(makeTestNode(`nodegrid-${prefix}-`));
    const checkout = path.join(watcher.root, 'checkout');
    fs.mkdirSync(checkout);
    gitSync(['init', '-q', '-b', 'main'], { cwd: checkout });
    gitSync(['remote', 'add', 'origin', bare], { cwd: checkout });
    const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const { ids } = generatePresence(checkout, { now: t0, mix: { alive } });
    const publish = (message: string): void => {
      gitSync(['add', '-A'], { cwd: checkout });
      gitSync(['commit', '-q', '-m', message], { cwd: checkout });
      gitSync(['push', '-q', 'origin', 'HEAD:main'], { cwd: checkout });
    };
    publish('grid');
    const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);
    const pass = (now: Date) => watcher.run(['monitor', '--once', '--json', '--remote', url, '--now', now.toISOString()], { timeoutMs: 120_000 });
    return { watcher, checkout, ids: ids.alive!, at, pass, publish };
  }

  it('opens an incident for a stale node and resolves it when the node beats again', async () => {
    const g = await grid('stale-paging', 4);
    g.watcher.writeConfig(destination({ via: 'monitor' }));
    expect((await g.pass(g.at(0))).code).toBe(0);
    const [silent, ...beating] = g.ids;
    for (const id of beating) writeBeat(g.checkout, id, g.at(5));
    g.publish('beats');
    const stale = await g.pass(g.at(5));
    expect(stale.code).toBe(3);
    expect(JSON.parse(stale.stdout).pages).toEqual([expect.objectContaining({ id: silent, action: 'trigger', problem: 'stale' })]);
    expect(incidentsOf(silent!)).toEqual([expect.objectContaining({ dedupKey: `nodegrid/${silent}/stale`, status: 'triggered', severity: 'error', summary: expect.stringMatching(/stale: last heartbeat 5 min ago$/) })]);
    // Nothing new on the next pass: the incident is open, not opened again.
    expect((await g.pass(g.at(5))).code).toBe(3);
    expect(incidentsOf(silent!)[0]!.alerts).toBe(1);

    writeBeat(g.checkout, silent!, g.at(6));
    g.publish('back');
    expect((await g.pass(g.at(6))).code).toBe(0);
    expect(incidentsOf(silent!).map((i) => i.status)).toEqual(['resolved']);
  });

  it('opens 50 incidents for 50 stale nodes through the rate limit without losing one, and one grid-wide incident under self-preservation', async () => {
    const off = await grid('burst-paging', 50);
    off.watcher.writeConfig({ ...destination({ via: 'monitor' }), grid: { massSilenceRatio: 1 } });
    expect((await off.pass(off.at(0))).code).toBe(0);
    pagerduty.rateLimit(20, 2000);
    const first = await off.pass(off.at(10));
    expect(first.code).toBe(3);
    expect(JSON.parse(first.stdout).pages).toHaveLength(50);
    // What the rate limit held back waits in the monitor's outbox; later passes deliver it.
    const opened = () => off.ids.filter((id) => incidentsOf(id).some((i) => i.status === 'triggered')).length;
    for (let tries = 0; opened() < 50 && tries < 30; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await off.pass(off.at(10));
    }
    expect(opened()).toBe(50);
    expect(pagerduty.received.some((r) => r.status === 429)).toBe(true);
    // One incident per node: a trigger sent again (its answer cut off by the pass's budget) is an alert on the same incident, as PagerDuty folds it.
    expect(off.ids.filter((id) => incidentsOf(id).length !== 1)).toEqual([]);
    pagerduty.rateLimit(1000, 1000);

    const openedBefore = pagerduty.incidents().length;
    const on = await grid('mass-paging', 50);
    on.watcher.writeConfig(destination({ via: 'monitor' }));
    expect((await on.pass(on.at(0))).code).toBe(0);
    const silent = await on.pass(on.at(10));
    expect(JSON.parse(silent.stdout).pages).toEqual([expect.objectContaining({ id: 'grid', action: 'trigger', problem: 'mass-silence' })]);
    // (The fixture names this grid's nodes as it named the first: only new incidents count.)
    expect(pagerduty.incidents().slice(openedBefore)).toEqual([expect.objectContaining({ status: 'triggered', severity: 'critical', summary: expect.stringContaining('50 of 50 alive nodes went silent at once') })]);
  });
});
