import { describe, expect, it } from 'vitest';
import { initNode, useChatRigs, validPayload } from './chat-setup';

const newRig = useChatRigs();

async function slackNode(extra: object = {}) {
  const rig = await newRig();
  rig.node.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'slack', url: rig.receiver.url('/services/TEXAMPLE/BEXAMPLE/opsSecretEXAMPLE'), ...extra }] } });
  await initNode(rig.node);
  return rig;
}

const SHOWN = /chat:ops \(slack http:\/\/127\.0\.0\.1:\d+\/services\/T…\/\*\*\*\*\)/;

describe('chat delivery when the service misbehaves', () => {
  it('429 with Retry-After: 1 → delivered exactly once, no sooner than a second later', async () => {
    const { node, receiver } = await slackNode();
    receiver.script({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
    const result = await node.run(['state', 'set', 'setup']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(JSON.parse((await node.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ sink: 'chat:ops', pending: 0, setAside: 0 });
  });

  it('500 → stays queued with the reason, and is retried by the next delivery', async () => {
    const { node, receiver } = await slackNode();
    receiver.script({ status: 500, body: 'internal error' });
    const first = await node.run(['state', 'set', 'setup']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^pending: chat:ops \(1 event\): /);
    expect(first.stderr).toMatch(SHOWN);
    expect(first.stderr).toContain('the service failed, HTTP 500 Internal Server Error (internal error); will retry');
    const flushed = await node.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain('delivered 1 event; 0 pending');
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(validPayload('slack', receiver.requests[1]!.body).text).toBe('i-5e7ab38a:fed1/app1: none -&gt; setup');
  });

  it('404 → set aside loudly after a few tries with a clear error in `outbox`, instead of retrying forever', async () => {
    const { node, receiver } = await slackNode();
    receiver.setDefault({ status: 404, body: 'no_service' });
    expect((await node.run(['state', 'set', 'setup'])).code).toBe(0);
    expect((await node.run(['outbox', 'flush', '--wait', '5'])).code).toBe(4);
    const last = await node.run(['outbox', 'flush', '--wait', '5']);
    expect(last.code, last.stderr).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    const listing = await node.run(['outbox']);
    expect(listing.stdout).toMatch(/^chat:ops: delivered \(1 set aside\)$/m);
    expect(listing.stdout).toMatch(SHOWN);
    expect(listing.stdout).toContain('HTTP 404 Not Found (no_service): the webhook was deleted or the URL is wrong; fix the destination in the config');
    expect(listing.stdout).toMatch(/set aside #1 i-5e7ab38a:fed1\/app1: none -> setup/);
    expect((await node.run(['outbox', 'flush'])).code).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    expect(node.read('home/log/nodegrid.log')).toMatch(/CRITICAL: set aside event 1 for chat:ops after 3 refusals; not sent again until `nodegrid outbox retry chat:ops`/);
  });

  it('receiver down → queued; delivered when it is back', async () => {
    const { node, receiver } = await slackNode();
    await receiver.stop();
    const down = await node.run(['state', 'set', 'setup']);
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/pending: chat:ops \(1 event\): chat:ops \(slack .*\): connection refused/);
    await receiver.start();
    const back = await node.run(['outbox', 'flush']);
    expect(back.code, back.stderr).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(validPayload('slack', receiver.requests[0]!.body).text).toContain('none -&gt; setup');
  });

  it('a service that never answers costs at most timeoutSeconds and stays queued', async () => {
    const { node, receiver } = await slackNode({ timeoutSeconds: 1 });
    receiver.script({ status: 200, hang: true });
    const started = Date.now();
    const result = await node.run(['state', 'set', 'setup']);
    // Well under the 10 s delivery budget `state set` would otherwise spend waiting (a
    // whole process on a busy CI machine takes a few seconds on its own).
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.stderr).toMatch(/pending: chat:ops \(1 event\): .*: no answer within 1 s/);
    expect((await node.run(['outbox', 'flush'])).code).toBe(0);
    expect(receiver.requests).toHaveLength(2);
  });
});
