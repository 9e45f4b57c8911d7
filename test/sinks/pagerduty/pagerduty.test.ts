import https from 'node:https';
import { event as pdEvent } from '@pagerduty/pdjs';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentKey, type PageAction } from '../../../src/core/incident';
import { createPagerDutyAdapter } from '../../../src/sinks/pagerduty/adapter';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../helpers/pagerduty-server';

const KEY = 'R0ut1ngK3yOfAnEventsV2Integrat1';
const stands: PagerDutyStandIn[] = [];
afterEach(async () => {
  for (const stand of stands.splice(0)) await stand.close();
});
async function standIn(): Promise<PagerDutyStandIn> {
  const stand = await startPagerDutyStandIn({ routingKeys: [`${KEY}x`] });
  stands.push(stand);
  return stand;
}
const ROUTING_KEY = `${KEY}x`;

const node = { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1' };
function page(action: 'trigger' | 'resolve', problem = 'wedged', id = node.id): PageAction {
  return {
    action,
    key: incidentKey(id, problem),
    node: { ...node, id },
    problem,
    summary: action === 'trigger' ? `${id}:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/work.sh exit 3` : `${id}:fed1/db1 is no longer wedged: now setup`,
    severity: 'critical',
    time: '2026-12-03T18:41:00.000Z',
    details: { state: 'wedged', note: 'bin/nodework/part/db1/work.sh exit 3' },
    link: `http://dash.example/#node/${id}`,
  };
}
const send = (stand: PagerDutyStandIn, actions: PageAction[], routingKey = ROUTING_KEY) => createPagerDutyAdapter({ name: 'oncall', routingKey, url: stand.url }).send(actions, { timeoutMs: 5000 });

describe('the PagerDuty stand-in, checked with PagerDuty’s own client (@pagerduty/pdjs)', () => {
  it('accepts a trigger and resolves it by dedup_key, and refuses a trigger without a summary with 400', async () => {
    const stand = await standIn();
    const agent = new https.Agent({ ca: stand.ca });
    const server = new URL(stand.httpsUrl).host;
    const trigger = await pdEvent({ server, agent, data: { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'k1', payload: { summary: 'disk full', source: 'i-1', severity: 'error' } } } as never);
    expect(trigger.status).toBe(202);
    expect(trigger.data).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k1' });
    expect(stand.open()).toEqual(['k1']);
    const resolve = await pdEvent({ server, agent, data: { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'k1' } } as never);
    expect(resolve.status).toBe(202);
    expect(stand.open()).toEqual([]);
    const bad = await pdEvent({ server, agent, data: { routing_key: ROUTING_KEY, event_action: 'trigger', payload: { source: 'i-1', severity: 'error' } } } as never);
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ status: 'invalid event', errors: ["'payload.summary' is missing or blank"] });
  });
});

describe('the PagerDuty adapter', () => {
  it('opens one incident per node and problem (a repeated trigger is an alert on it), and the resolve closes it', async () => {
    const stand = await standIn();
    expect(await send(stand, [page('trigger'), page('trigger'), page('trigger', 'stale', 'i-5f8d0c1b')])).toEqual({ sent: 3 });
    expect(stand.open()).toEqual(['nodegrid/i-4e7cb59a/wedged', 'nodegrid/i-5f8d0c1b/stale']);
    expect(stand.incidents()[0]).toMatchObject({ alerts: 2, severity: 'critical', source: 'i-4e7cb59a', summary: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/work.sh exit 3' });
    expect(stand.received[0]!.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'nodegrid/i-4e7cb59a/wedged',
      client: 'nodegrid',
      client_url: 'http://dash.example/#node/i-4e7cb59a',
      links: [{ href: 'http://dash.example/#node/i-4e7cb59a', text: 'i-4e7cb59a on the nodegrid dashboard' }],
      payload: {
        summary: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/work.sh exit 3',
        source: 'i-4e7cb59a',
        severity: 'critical',
        timestamp: '2026-12-03T18:41:00.000Z',
        component: 'db1',
        group: 'fed1',
        class: 'wedged',
        custom_details: { state: 'wedged', note: 'bin/nodework/part/db1/work.sh exit 3' },
      },
    });
    expect(await send(stand, [page('resolve')])).toEqual({ sent: 1 });
    expect(stand.open()).toEqual(['nodegrid/i-5f8d0c1b/stale']);
  });

  it('a wrong routing key is a config error, given up, that never shows the key', async () => {
    const stand = await standIn();
    const wrong = 'WrongR0ut1ngK3yOfAnIntegrat1on00';
    const result = await send(stand, [page('trigger')], wrong);
    expect(result.sent).toBe(0);
    expect(result.failure).toMatchObject({ permanent: true });
    expect(result.failure!.message).toContain("PagerDuty refused the event; check paging.destinations oncall's routingKey");
    expect(result.failure!.message).not.toContain(wrong);
  });

  it('stops at a 429 and says to wait, and delivers the rest once the window has passed; an outage is retried, not given up', async () => {
    const stand = await standIn();
    stand.rateLimit(2, 400);
    const actions = [1, 2, 3, 4].map((n) => page('trigger', 'stale', `i-0000000${n}`));
    const first = await send(stand, actions);
    expect(first.sent).toBe(2);
    expect(first.failure?.retryAfterMs).toBeGreaterThan(0);
    expect(first.failure?.permanent).toBeUndefined();
    // The outbox waits as told; here the window is waited out by polling, not by a fixed sleep.
    let sent = first.sent;
    for (let tries = 0; sent < actions.length && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      sent += (await send(stand, actions.slice(sent))).sent;
    }
    expect(sent).toBe(actions.length);
    expect(stand.open()).toHaveLength(4);

    stand.failWith(500);
    const down = await send(stand, [page('trigger')]);
    expect(down).toMatchObject({ sent: 0, failure: { message: expect.stringContaining('pagerduty:oncall (http://127.0.0.1:') } });
    expect(down.failure?.permanent).toBeUndefined();
  });
});
