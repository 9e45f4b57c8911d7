import { describe, expect, it } from 'vitest';
import { initNode, useChatRigs, validPayload } from './chat-setup';

const newRig = useChatRigs();

describe('no floods', () => {
  it('20 chatty events queued during an outage → one post when the receiver returns, headlined by the critical change that came after them', async () => {
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
    expect(posts).toHaveLength(1);
    expect(posts[0].text).toBe('i-5e7ab38a:fed1/app1: draining -&gt; wedged (work.sh failed 3 times)');
    expect(posts[0].attachments[0].color).toBe('#d40e0d');
    const lines: string[] = posts[0].attachments[0].text.split('\n');
    expect(lines[0]).toContain('none -&gt; setup');
    expect(lines).toContain('… 6 more changes …');
    expect(lines.at(-2)).toContain('draining -&gt; wedged (work.sh failed 3 times)');
    expect(lines.at(-1)).toMatch(/^state wedged · critical · .* UTC · with the 20 changes before it$/);
    expect(posts[0].attachments[0].text).toContain('rolling step 7');
    expect(JSON.parse((await node.run(['outbox', '--json'])).stdout)[0]).toMatchObject({ pending: 0, setAside: 0 });
    expect(node.read('home/log/nodegrid.log')).toContain('chat:ops: posted a critical change with the 20 changes before it as one post');
  });

  it('a critical post is not held back when the digest after it fails', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({ chat: { destinations: [{ name: 'ops', type: 'discord', url: receiver.url('/api/webhooks/EXAMPLE/opsSecretEXAMPLE'), minIntervalSeconds: 0 }] } });
    await initNode(node);
    for (const state of ['setup', 'initdone', 'wedged', 'setup', 'initdone']) expect((await node.run(['state', 'set', state, '--no-wait'])).code).toBe(0);
    receiver.script({ status: 204 }, { status: 503, body: 'busy' });
    const first = await node.run(['outbox', 'flush']);
    expect(first.code).toBe(4);
    expect(first.stdout + first.stderr).toMatch(/chat:ops.*HTTP 503/);
    expect(validPayload('discord', receiver.requests[0]!.body).content).toBe('i-5e7ab38a:fed1/app1: initdone -> wedged');
    expect(JSON.parse((await node.run(['outbox', '--json'])).stdout)[0].pending).toBe(2);
    const flushed = await node.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(receiver.requests.map((r) => r.status)).toEqual([204, 503, 200]);
    const digest = validPayload('discord', receiver.requests[2]!.body);
    expect(digest.content).toBe('i-5e7ab38a:fed1/app1: 2 changes, now initdone');
    expect(receiver.requests.filter((r) => r.body.includes('initdone -> wedged'))).toHaveLength(1);
  });
});

describe('a room’s last word about a node is its current state', () => {
  it('setup, initdone, running, a notify and wedged queued with --no-wait, then outbox flush: the room ends with wedged, the webhook gets seq 1–5 in order', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({
      chat: {
        destinations: [
          { name: 'ops', type: 'slack', url: receiver.url('/services/TEXAMPLE/BEXAMPLE/opsSecretEXAMPLE') },
          { name: 'hooks', type: 'webhook', url: receiver.url('/hooks/nodegrid'), secret: 'whsecretEXAMPLE' },
        ],
      },
    });
    await initNode(node);
    for (const state of ['setup', 'initdone', 'running']) expect((await node.run(['state', 'set', state, '--no-wait'])).code).toBe(0);
    expect((await node.run(['notify', 'deploy 42 done', '--no-wait'])).code).toBe(0);
    expect((await node.run(['state', 'set', 'wedged', '--note', 'work.sh failed 3 times', '--no-wait'])).code).toBe(0);
    expect(receiver.requests).toHaveLength(0);

    const flushed = await node.run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);

    const room = receiver.on('/services/').map((r) => validPayload('slack', r.body));
    expect(room.length).toBeGreaterThan(0);
    expect(room.at(-1).text).toBe('i-5e7ab38a:fed1/app1: running -&gt; wedged (work.sh failed 3 times)');
    expect(room.at(-1).attachments[0].text.split('\n').at(-2)).toMatch(/^\d\d:\d\d:\d\d running -&gt; wedged \(work\.sh failed 3 times\)$/);
    for (const post of room) expect(JSON.stringify(post)).not.toContain('now running');

    const hooks = receiver.on('/hooks/').map((r) => validPayload('webhook', r.body));
    const seqs = hooks.flatMap((body: { events: Array<{ seq: number }> }) => body.events.map((event) => event.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs).toHaveLength(5);
    expect(hooks.at(-1).events.at(-1)).toMatchObject({ state: 'wedged', severity: 'critical' });
    for (const body of hooks) expect(body.text).not.toContain('now running');
  });
});
