import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { visibleText } from '../sinks/chat/schemas';
import { HOSTILE } from '../sinks/chat/events';
import { initNode, useChatRigs, validPayload } from './chat-setup';

const newRig = useChatRigs();

describe('chat routing through the CLI', () => {
  it('sends chatty changes to the chatty room only; wedged arrives red/critical everywhere it should and nowhere else', async () => {
    const { node, receiver } = await newRig();
    const dest = (name: string, type: string, extra: object = {}) => ({ name, type, url: receiver.url(`/${name}/EXAMPLE/${name}secretEXAMPLE`), minIntervalSeconds: 0, ...extra });
    node.writeConfig({
      chat: {
        destinations: [
          dest('ops-all', 'slack'),
          dest('pager', 'discord', { minSeverity: 'critical' }),
          dest('teams', 'teams', { minSeverity: 'critical' }),
          dest('feed', 'slack', { via: 'monitor' }),
          dest('fed2-hooks', 'webhook', { secret: 'whsecretEXAMPLE', deployments: ['fed2'] }),
          dest('only-running', 'mattermost', { states: ['running'] }),
        ],
      },
    });
    await initNode(node);
    for (const args of [['setup'], ['initdone'], ['wedged', '--note', 'work.sh failed 3 times']]) {
      const result = await node.run(['state', 'set', ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
    }

    const ops = receiver.on('/ops-all/').map((r) => validPayload('slack', r.body));
    expect(ops.map((p) => p.text)).toEqual([
      'i-5e7ab38a:fed1/app1: none -&gt; setup',
      'i-5e7ab38a:fed1/app1: setup -&gt; initdone',
      'i-5e7ab38a:fed1/app1: initdone -&gt; wedged (work.sh failed 3 times)',
    ]);
    expect(ops.map((p) => p.attachments[0].color)).toEqual(['#daa038', '#2eb886', '#d40e0d']);

    const pager = receiver.on('/pager/').map((r) => validPayload('discord', r.body));
    expect(pager).toHaveLength(1);
    expect(pager[0].content).toBe('i-5e7ab38a:fed1/app1: initdone -> wedged \\(work.sh failed 3 times\\)');
    expect(pager[0].embeds[0].color).toBe(0xd40e0d);

    const teams = receiver.on('/teams/').map((r) => validPayload('teams', r.body));
    expect(teams).toHaveLength(1);
    expect(teams[0].attachments[0].content.body[0]).toMatchObject({ style: 'attention' });
    expect(teams[0].attachments[0].content.body[0].items[0]).toMatchObject({ color: 'attention', text: expect.stringContaining('initdone -> wedged') });

    // via: monitor gets only the node's critical event; the filtered ones get nothing.
    expect(receiver.on('/feed/').map((r) => validPayload('slack', r.body).text)).toEqual(['i-5e7ab38a:fed1/app1: initdone -&gt; wedged (work.sh failed 3 times)']);
    expect(receiver.on('/fed2-hooks/')).toHaveLength(0);
    expect(receiver.on('/only-running/')).toHaveLength(0);
    expect(receiver.requests).toHaveLength(6);
  });

  it('speaks each service’s format and escapes hostile node strings for each one (notify)', async () => {
    const { node, receiver } = await newRig();
    const types = ['slack', 'mattermost', 'rocketchat', 'discord', 'teams', 'hipchat', 'webhook'] as const;
    node.writeConfig({
      chat: {
        destinations: types.map((type) => ({
          name: type,
          type,
          url: type === 'hipchat' ? receiver.url('') : receiver.url(`/${type}/EXAMPLE/secretEXAMPLE`),
          ...(type === 'hipchat' ? { room: 'ops', token: 'hipchatTokenEXAMPLE' } : {}),
          ...(type === 'webhook' ? { secret: 'whsecretEXAMPLE' } : {}),
        })),
      },
    });
    await initNode(node);
    const result = await node.run(['notify', HOSTILE, '--critical']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('critical message from i-5e7ab38a:fed1/app1 for chat:slack, chat:mattermost');
    expect(receiver.requests).toHaveLength(types.length);

    for (const type of types) {
      const request = type === 'hipchat' ? receiver.on('/v2/room/ops/notification')[0]! : receiver.on(`/${type}/`)[0]!;
      validPayload(type, request.body);
      const text = visibleText(type, request.body);
      if (type === 'webhook') {
        // Machines get the raw strings, signed.
        expect(text).toContain(HOSTILE);
        const timestamp = String(request.headers['x-nodegrid-timestamp']);
        expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
        const hmac = crypto.createHmac('sha256', 'whsecretEXAMPLE').update(`${timestamp}.${request.body}`).digest('hex');
        expect(request.headers['x-nodegrid-signature']).toBe(`sha256=${hmac}`);
        continue;
      }
      expect(text, type).not.toMatch(/@(everyone|all)\b/);
      if (type !== 'teams' && type !== 'hipchat') expect(text, type).not.toMatch(/(^|[^\\])<(!channel|img)/);
      if (type !== 'slack' && type !== 'hipchat') expect(text, type).not.toMatch(/[^\\]\]\(http/);
    }
    const hipchat = receiver.on('/v2/room/ops/notification')[0]!;
    expect(hipchat.headers.authorization).toBe('Bearer hipchatTokenEXAMPLE');
    expect(JSON.parse(hipchat.body)).toMatchObject({ color: 'red', notify: true, message_format: 'text' });
  });
});
