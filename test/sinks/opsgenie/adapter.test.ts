import { afterEach, describe, expect, it } from 'vitest';
import { incidentKey, type PageAction } from '../../../src/core/incident';
import { createOpsgenieAdapter } from '../../../src/sinks/opsgenie/adapter';
import { opsgenieSecrets, type OpsgenieDestination } from '../../../src/sinks/opsgenie/destination';
import { OPSGENIE_TEST_KEY, startOpsgenieStandIn, type OpsgenieStandIn } from '../../helpers/opsgenie-server';

const servers: OpsgenieStandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let clock = Date.parse('2026-12-03T18:41:00Z');
async function standIn(): Promise<OpsgenieStandIn> {
  const server = await startOpsgenieStandIn({ now: () => clock });
  servers.push(server);
  return server;
}

function destination(server: OpsgenieStandIn, apiKey = OPSGENIE_TEST_KEY): OpsgenieDestination {
  return { name: 'oncall', apiKey, url: server.url };
}

function page(action: 'trigger' | 'resolve', overrides: Partial<PageAction> = {}): PageAction {
  const node = overrides.node ?? { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1' };
  const problem = overrides.problem ?? 'wedged';
  return {
    action,
    key: incidentKey(node.id, problem),
    node,
    problem,
    summary: action === 'trigger' ? `${node.id}:fed1/db1 wedged since 18:41 UTC: work failed` : `${node.id}:fed1/db1 recovered: now setup`,
    severity: 'critical',
    time: '2026-12-03T18:41:00Z',
    details: { state: 'wedged', note: 'drain.sh exited 3' },
    link: 'https://grid.example.com/#node=i-4e7cb59a',
    ...overrides,
  };
}

const OPTIONS = { timeoutMs: 10_000 };
const ALIAS = 'nodegrid/i-4e7cb59a/wedged';

describe('the Opsgenie adapter', () => {
  it('creates the alert with the documented fields and GenieKey auth, then closes it by its alias', async () => {
    const server = await standIn();
    const adapter = createOpsgenieAdapter(destination(server));
    expect(await adapter.send([page('trigger')], OPTIONS)).toEqual({ sent: 1 });

    const create = server.calls[0]!;
    expect(create).toMatchObject({ method: 'POST', path: '/v2/alerts', status: 202 });
    expect(create.headers.authorization).toBe(`GenieKey ${OPSGENIE_TEST_KEY}`);
    expect(create.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(create.body)).toEqual({
      message: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: work failed',
      alias: ALIAS,
      description: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: work failed\n\nstate: wedged\nnote: drain.sh exited 3\n\nhttps://grid.example.com/#node=i-4e7cb59a',
      priority: 'P1',
      source: 'nodegrid',
      entity: 'i-4e7cb59a',
      tags: ['nodegrid', 'fed1', 'db1', 'wedged'],
      details: { state: 'wedged', note: 'drain.sh exited 3', link: 'https://grid.example.com/#node=i-4e7cb59a' },
    });
    expect(server.alertByAlias(ALIAS)).toMatchObject({ status: 'open', count: 1 });

    expect(await adapter.send([page('resolve')], OPTIONS)).toEqual({ sent: 1 });
    const close = server.calls[1]!;
    expect(close).toMatchObject({ method: 'POST', path: '/v2/alerts/nodegrid%2Fi-4e7cb59a%2Fwedged/close?identifierType=alias', status: 202 });
    expect(close.headers.authorization).toBe(`GenieKey ${OPSGENIE_TEST_KEY}`);
    expect(JSON.parse(close.body)).toEqual({ source: 'nodegrid', note: 'i-4e7cb59a:fed1/db1 recovered: now setup' });
    expect(server.alertByAlias(ALIAS)).toMatchObject({ status: 'closed', notes: ['i-4e7cb59a:fed1/db1 recovered: now setup'] });
  });

  it('keeps one alert open for a repeated trigger of the same key, counted twice', async () => {
    const server = await standIn();
    const adapter = createOpsgenieAdapter(destination(server));
    expect(await adapter.send([page('trigger'), page('trigger', { summary: 'i-4e7cb59a:fed1/db1 still wedged' })], OPTIONS)).toEqual({ sent: 2 });
    expect(server.alerts).toHaveLength(1);
    expect(server.alerts[0]).toMatchObject({ alias: ALIAS, status: 'open', count: 2 });
  });

  it('maps severities to P1, P2, P3 and P5, and leaves out tags the node does not have', async () => {
    const server = await standIn();
    const node = { id: 'i-0badc0de' };
    const actions = (['critical', 'error', 'warning', 'info'] as const).map((severity) => page('trigger', { node, problem: `p-${severity}`, severity }));
    expect(await createOpsgenieAdapter(destination(server)).send(actions, OPTIONS)).toEqual({ sent: 4 });
    expect(server.alerts.map((a) => a.priority)).toEqual(['P1', 'P2', 'P3', 'P5']);
    expect(server.alerts[0]!.tags).toEqual(['nodegrid', 'p-critical']);
  });

  it('cuts every field to Opsgenie’s limits, so a long summary or note still pages', async () => {
    const server = await standIn();
    const long = page('trigger', { summary: `i-4e7cb59a wedged: ${'x'.repeat(1000)}`, details: { note: 'y'.repeat(9000), state: 'wedged' }, link: undefined });
    expect(await createOpsgenieAdapter(destination(server)).send([long], OPTIONS)).toEqual({ sent: 1 });
    const alert = server.alerts[0]!;
    expect(alert.message).toHaveLength(130);
    expect(alert.message.endsWith('…')).toBe(true);
    expect(alert.details.note!.length).toBeLessThan(8000);
    expect(alert.description!.length).toBeLessThanOrEqual(15_000);
    expect(alert.description).toContain('state: wedged');
  });

  it('reports a 429 with a wait, and delivers the rest once Opsgenie takes requests again', async () => {
    const server = await standIn();
    const adapter = createOpsgenieAdapter(destination(server));
    server.rateLimit({ burst: 1, refillMs: 60_000 });
    const other = page('trigger', { node: { id: 'i-0badc0de' } });
    const first = await adapter.send([page('trigger'), other], OPTIONS);
    expect(first.sent).toBe(1);
    expect(first.failure?.retryAfterMs).toBeGreaterThan(0);
    expect(first.failure?.permanent).toBeFalsy();
    expect(first.failure?.message).toContain('opsgenie:oncall');
    expect(server.calls.at(-1)!.status).toBe(429);

    clock += 60_000;
    expect(await adapter.send([other], OPTIONS)).toEqual({ sent: 1 });
    expect(server.alerts.map((a) => a.entity)).toEqual(['i-4e7cb59a', 'i-0badc0de']);
  });

  it('gives up on a key Opsgenie does not know, saying to fix apiKey, without printing the key', async () => {
    const server = await standIn();
    const wrongKey = 'ffffffff-0000-4bad-key0-000000000000';
    const adapter = createOpsgenieAdapter(destination(server, wrongKey));
    const result = await adapter.send([page('trigger'), page('resolve')], OPTIONS);
    expect(result.sent).toBe(0);
    expect(result.failure?.permanent).toBe(true);
    expect(result.failure?.message).toMatch(/^opsgenie:oncall \(http:\/\/127\.0\.0\.1:\d+\): HTTP 401 Unauthorized \(.*Could not authenticate.*\): Opsgenie does not know the API key; set apiKey/);
    expect(result.failure?.message).not.toContain(wrongKey);
    expect(server.calls).toHaveLength(1);
    expect(server.alerts).toHaveLength(0);
    expect(opsgenieSecrets(destination(server, wrongKey))).toEqual([wrongKey]);
  });

  it('reports an Opsgenie outage (5xx) and a server that is down as failures to retry, not refusals', async () => {
    const server = await standIn();
    const adapter = createOpsgenieAdapter(destination(server));
    server.failNext(1, 503);
    const failed = await adapter.send([page('trigger')], OPTIONS);
    expect(failed.sent).toBe(0);
    expect(failed.failure?.permanent).toBeFalsy();
    expect(failed.failure?.message).toContain('HTTP 503');

    await server.stop();
    const down = await adapter.send([page('trigger')], OPTIONS);
    expect(down.sent).toBe(0);
    expect(down.failure).toMatchObject({ message: expect.stringMatching(/^opsgenie:oncall \(http:\/\/127\.0\.0\.1:\d+\): connection refused$/) });
    expect(down.failure?.permanent).toBeFalsy();
    expect(down.failure?.retryAfterMs).toBeUndefined();

    await server.start();
    expect(await adapter.send([page('trigger')], OPTIONS)).toEqual({ sent: 1 });
  });

  it('is labelled by its region’s API when no url overrides it', () => {
    expect(createOpsgenieAdapter({ name: 'oncall', apiKey: OPSGENIE_TEST_KEY }).label).toBe('opsgenie:oncall (https://api.opsgenie.com)');
    expect(createOpsgenieAdapter({ name: 'eu', apiKey: OPSGENIE_TEST_KEY, region: 'eu' }).label).toBe('opsgenie:eu (https://api.eu.opsgenie.com)');
  });
});
