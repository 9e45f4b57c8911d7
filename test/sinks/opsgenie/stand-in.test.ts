import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { OPSGENIE_TEST_KEY, startOpsgenieStandIn, type OpsgenieStandIn } from '../../helpers/opsgenie-server';

/**
 * The stand-in checked with Opsgenie's own Node client, opsgenie-sdk 0.5.1
 * (github.com/opsgenie/opsgenie-nodejs-sdk): it builds the URLs, headers and
 * bodies of the Alert API v2 from Opsgenie's side, so the stand-in is held to
 * what Opsgenie's client sends rather than to what nodegrid's adapter sends.
 * The SDK is configured once per process (a module-level `configure`), and
 * its host setting takes http://127.0.0.1:PORT.
 */
type Callback = (error: SdkError | null, result: Record<string, unknown> | null) => void;
interface SdkError {
  httpStatusCode?: number;
  message?: string;
  errors?: Record<string, string>;
}
interface Identifier {
  identifier: string;
  identifierType: 'alias' | 'id' | 'tiny';
}
interface OpsgenieSdk {
  configure(options: { api_key: string; host: string }): void;
  alertV2: {
    create(data: Record<string, unknown>, config: Record<string, unknown>, cb: Callback): void;
    get(identifier: Identifier, config: Record<string, unknown>, cb: Callback): void;
    close(identifier: Identifier, data: Record<string, unknown>, config: Record<string, unknown>, cb: Callback): void;
    getRequestStatus(requestId: string, config: Record<string, unknown>, cb: Callback): void;
  };
}

const sdk = createRequire(import.meta.url)('opsgenie-sdk') as OpsgenieSdk;
// requestretry under the SDK retries 429 and 5xx five times, 5 s apart; these tests want each answer as it comes.
// A fresh object each call: the SDK merges its headers (the key included) into the options it is given.
const once = (): Record<string, unknown> => ({ maxAttempts: 1 });

function call(run: (cb: Callback) => void): Promise<{ error: SdkError | null; result: Record<string, unknown> | null }> {
  return new Promise((resolve) => run((error, result) => resolve({ error, result })));
}

const servers: OpsgenieStandIn[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function standIn(): Promise<OpsgenieStandIn> {
  const server = await startOpsgenieStandIn();
  servers.push(server);
  sdk.configure({ api_key: OPSGENIE_TEST_KEY, host: server.url });
  return server;
}

const ALIAS = 'nodegrid/i-4e7cb59a/wedged';
// The SDK puts the identifier in the path as given; an alias with slashes must be percent-encoded by its caller.
const byAlias: Identifier = { identifier: encodeURIComponent(ALIAS), identifierType: 'alias' };

describe('the Opsgenie stand-in, driven by opsgenie-sdk', () => {
  it('accepts a create with 202 and a request id, and de-duplicates an open alias by counting', async () => {
    const server = await standIn();
    const alert = { message: 'i-4e7cb59a wedged', alias: ALIAS, priority: 'P1', source: 'nodegrid', entity: 'i-4e7cb59a', tags: ['nodegrid', 'wedged'], details: { state: 'wedged' } };
    const first = await call((cb) => sdk.alertV2.create(alert, once(), cb));
    expect(first.error).toBeNull();
    expect(first.result).toMatchObject({ result: 'Request will be processed' });
    expect(first.result?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.calls[0]).toMatchObject({ method: 'POST', path: '/v2/alerts/', status: 202 });
    expect(server.calls[0]!.headers.authorization).toBe(`GenieKey ${OPSGENIE_TEST_KEY}`);

    await call((cb) => sdk.alertV2.create(alert, once(), cb));
    expect(server.alerts).toHaveLength(1);
    const read = await call((cb) => sdk.alertV2.get(byAlias, once(), cb));
    expect(read.result?.data).toMatchObject({ alias: ALIAS, status: 'open', count: 2, priority: 'P1', entity: 'i-4e7cb59a', tags: ['nodegrid', 'wedged'], details: { state: 'wedged' } });

    const status = await call((cb) => sdk.alertV2.getRequestStatus(String(first.result?.requestId), once(), cb));
    expect(status.result?.data).toMatchObject({ success: true, action: 'Create', status: 'Created alert', alias: ALIAS });
  });

  it('closes by alias, and a second close is accepted but fails in the request status', async () => {
    const server = await standIn();
    await call((cb) => sdk.alertV2.create({ message: 'i-4e7cb59a wedged', alias: ALIAS }, once(), cb));
    const closed = await call((cb) => sdk.alertV2.close(byAlias, { source: 'nodegrid', note: 'recovered' }, once(), cb));
    expect(closed.error).toBeNull();
    expect(server.calls.at(-1)).toMatchObject({ path: `/v2/alerts/${encodeURIComponent(ALIAS)}/close/?identifierType=alias`, status: 202 });
    expect(server.alertByAlias(ALIAS)).toMatchObject({ status: 'closed', notes: ['recovered'] });

    const again = await call((cb) => sdk.alertV2.close(byAlias, { source: 'nodegrid' }, once(), cb));
    expect(again.error).toBeNull();
    const status = await call((cb) => sdk.alertV2.getRequestStatus(String(again.result?.requestId), once(), cb));
    expect(status.result?.data).toMatchObject({ success: false, status: 'Alert does not exist' });
    // Closed, so a new trigger of the same alias opens a new alert, as Opsgenie does.
    await call((cb) => sdk.alertV2.create({ message: 'i-4e7cb59a wedged again', alias: ALIAS }, once(), cb));
    expect(server.alerts.map((a) => [a.status, a.count])).toEqual([['closed', 1], ['open', 1]]);
  });

  it('answers a wrong key with 401, an alert without a message with 422, and throttles with 429', async () => {
    const server = await standIn();
    sdk.configure({ api_key: 'not-the-key-0000', host: server.url });
    const refused = await call((cb) => sdk.alertV2.create({ message: 'x' }, once(), cb));
    expect(refused.error).toMatchObject({ httpStatusCode: 401, message: 'Could not authenticate' });

    sdk.configure({ api_key: OPSGENIE_TEST_KEY, host: server.url });
    const empty = await call((cb) => sdk.alertV2.create({ alias: ALIAS }, once(), cb));
    expect(empty.error).toMatchObject({ httpStatusCode: 422, errors: { message: 'Message can not be empty.' } });
    expect(server.alerts).toHaveLength(0);

    server.rateLimit({ burst: 1, refillMs: 60_000 });
    expect((await call((cb) => sdk.alertV2.create({ message: 'one' }, once(), cb))).error).toBeNull();
    const throttled = await call((cb) => sdk.alertV2.create({ message: 'two' }, once(), cb));
    expect(throttled.error).toMatchObject({ httpStatusCode: 429, message: 'TooManyRequests' });
  });
});
