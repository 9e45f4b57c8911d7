import { describe, expect, it } from 'vitest';
import { initNode, useChatRigs, validPayload } from './chat-setup';

const newRig = useChatRigs();

describe('no floods', () => {
  it('20 chatty events queued during an outage → one digest post when the receiver returns, while the critical one goes out on its own first', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'slack', url: receiver.url('/services/TEXAMPLE/BEXAMPLE/opsSecretEXAMPLE') }] } });
    await initNode(node);
    await receiver.stop();
    const steps = ['setup', 'initdone', 'running'];
    for (let i = 0; i < 9; i++) steps.push(i % 2 === 0 ? 'draining' : 'running');
    for (const state of steps) expect((await node.run(['state', 'set', state, '--no-wait'])).code).toBe(0);
    for (let i = 0; i < 8; i++) expect((await node.run(['notify', `rolling step ${i}`, '--no-wait'])).code).toBe(0);
    expect(JSON.parse((await node.run(['outbox', '--json'])).stdout)[0].pending).toBe(20);

    await receiver.start();
    const wedged = await node.run(['state', 'set', 'wedged', '--note', 'work.sh failed 3 times']);
    expect(wedged.code, wedged.stderr).toBe(0);
    expect(wedged.stderr).toBe('');

    const posts = receiver.requests.map((r) => validPayload('slack', r.body));
    expect(posts).toHaveLength(2);
    expect(posts[0].text).toBe('i-5e7ab38a:fed1/app1: draining -&gt; wedged (work.sh failed 3 times)');
    expect(posts[0].attachments[0].color).toBe('#d40e0d');
    expect(posts[1].text).toBe('i-5e7ab38a:fed1/app1: 20 changes, now draining');
    expect(posts[1].attachments[0].text).toContain('none -&gt; setup');
    expect(posts[1].attachments[0].text).toContain('rolling step 7');
    expect(posts[1].attachments[0].text).not.toContain('wedged');
    // Slack takes about one post per second per webhook.
    expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(JSON.parse((await node.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ pending: 0, setAside: 0 });
    expect(node.read('home/log/nodegrid.log')).toContain('chat:ops: posted 20 chatty changes as one digest');
  });

  it('a critical event is not held back when the digest after it fails', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'discord', url: receiver.url('/api/webhooks/EXAMPLE/opsSecretEXAMPLE'), minIntervalSeconds: 0 }] } });
    await initNode(node);
    for (const state of ['setup', 'initdone']) await node.run(['state', 'set', state, '--no-wait']);
    receiver.script({ status: 204 }, { status: 503, body: 'busy' });
    const result = await node.run(['state', 'set', 'wedged']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/pending: chat:ops \(2 events\): .*HTTP 503/);
    expect(validPayload('discord', receiver.requests[0]!.body).content).toContain('initdone -> wedged');
    const flushed = await node.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    const digest = validPayload('discord', receiver.requests[2]!.body);
    expect(digest.content).toContain('2 changes');
    expect(receiver.requests.filter((r) => r.body.includes('wedged'))).toHaveLength(1);
  });
});
