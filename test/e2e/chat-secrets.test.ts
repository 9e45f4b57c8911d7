import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAllFiles, type CliResult } from '../helpers/cli';
import { initNode, useChatRigs } from './chat-setup';

const newRig = useChatRigs();

// Obviously fake values: each must never appear in output, logs, the outbox or errors.
const SLACK_PATH_SECRET = 'slackPathSecretEXAMPLE';
const TEAMS_SIG = 'teamsSigSecretEXAMPLE';
const HIPCHAT_TOKEN = 'hipchatTokenSecretEXAMPLE';
const WEBHOOK_SECRET = 'webhookSigningSecretEXAMPLE';
const NODEINFO_SECRET = 'nodeinfoSecretKeyEXAMPLE';
const SECRETS = [SLACK_PATH_SECRET, TEAMS_SIG, HIPCHAT_TOKEN, WEBHOOK_SECRET, NODEINFO_SECRET];

describe('chat secrets', () => {
  it('never shows a URL, token or nodeinfo secret: on success and on 404, 500, connection refused and timeout', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({
      outbox: { maxPermanentFailures: 10 },
      chat: {
        destinations: [
          { name: 'ops', type: 'slack', url: receiver.url(`/services/TEXAMPLE/BEXAMPLE/${SLACK_PATH_SECRET}`), minIntervalSeconds: 0, timeoutSeconds: 1 },
          { name: 'teams', type: 'teams', url: receiver.url(`/workflows/EXAMPLE/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${TEAMS_SIG}`), minIntervalSeconds: 0, timeoutSeconds: 1 },
          { name: 'hc', type: 'hipchat', url: receiver.url(''), room: 'ops', token: HIPCHAT_TOKEN, minIntervalSeconds: 0, timeoutSeconds: 1 },
          { name: 'hook', type: 'webhook', url: receiver.url('/hook/EXAMPLE'), secret: WEBHOOK_SECRET, timeoutSeconds: 1 },
        ],
      },
    });
    await initNode(node);
    fs.writeFileSync(path.join(node.nodeinfo, 'secret_key.txt'), `${NODEINFO_SECRET}\n`);

    const outputs: CliResult[] = [];
    const run = async (args: string[]) => {
      const result = await node.run(args);
      outputs.push(result);
      return result;
    };
    const echoing = (status: number) => ({ status, body: `error for ${receiver.url(`/services/TEXAMPLE/BEXAMPLE/${SLACK_PATH_SECRET}`)} token ${HIPCHAT_TOKEN}` });

    receiver.setDefault(echoing(404));
    expect((await run(['state', 'set', 'setup'])).stderr).toContain('HTTP 404');
    receiver.setDefault(echoing(500));
    expect((await run(['outbox', 'flush'])).stderr).toContain('HTTP 500');
    receiver.setDefault({ status: 200, hang: true });
    expect((await run(['outbox', 'flush'])).stderr).toContain('no answer within 1 s');
    await receiver.stop();
    expect((await run(['state', 'set', 'initdone', '--note', 'failing over'])).stderr).toContain('connection refused');
    expect((await run(['chat', 'test'])).code).toBe(4);
    await run(['outbox']);
    await run(['outbox', '--json']);
    await run(['info', '--json']);
    await run(['state', '--json']);
    await receiver.start();
    receiver.setDefault({ status: 200, body: 'ok' });
    const flushed = await run(['outbox', 'flush']);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect((await run(['chat', 'test'])).code).toBe(0);
    await run(['notify', 'done', '--json']);

    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...readAllFiles(node.home).map((f) => `${f.file}\n${f.text}`)].join('\n');
    expect(everything).toContain('http://127.0.0.1');
    for (const secret of SECRETS) expect(everything, secret).not.toContain(secret);
    // The services get what they need and nothing more: the token only in HipChat's Authorization header, no nodeinfo secret anywhere.
    for (const request of receiver.requests) {
      expect(request.body).not.toContain(NODEINFO_SECRET);
      expect(request.body + request.path).not.toContain(HIPCHAT_TOKEN);
      expect(JSON.stringify(request.headers) + request.body).not.toContain(WEBHOOK_SECRET);
    }
    expect(receiver.on('/v2/room/ops/notification').every((r) => r.headers.authorization === `Bearer ${HIPCHAT_TOKEN}`)).toBe(true);
  });
});

describe('nodegrid chat test', () => {
  it('reports per destination with redacted URLs, exits 4 when one fails, and --destination picks one', async () => {
    const { node, receiver } = await newRig();
    node.writeConfig({
      chat: {
        destinations: [
          { name: 'good', type: 'slack', url: receiver.url(`/good/EXAMPLE/${SLACK_PATH_SECRET}`) },
          { name: 'gone', type: 'discord', url: receiver.url(`/gone/EXAMPLE/${SLACK_PATH_SECRET}`) },
        ],
      },
    });
    receiver.script({ status: 200 }, { status: 404, body: '{"message": "Unknown Webhook", "code": 10015}' });
    const result = await node.run(['chat', 'test']);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/^ok {5}chat:good \(slack http:\/\/127\.0\.0\.1:\d+\/good\/E…\/\*\*\*\*\) \d+ ms$/m);
    expect(result.stdout).toMatch(/^failed chat:gone \(discord .*\) \d+ ms\n {7}chat:gone .*HTTP 404 Not Found \(\{"message": "Unknown Webhook", "code": 10015\}\): the webhook was deleted/m);
    expect(result.stderr).toContain('chat test failed for 1 of 2 destinations');
    expect(result.stdout + result.stderr).not.toContain(SLACK_PATH_SECRET);
    expect(receiver.requests.map((r) => r.path.split('/')[1])).toEqual(['good', 'gone']);
    // A test goes straight to the service: nothing is queued.
    expect(fs.existsSync(path.join(node.home, 'outbox'))).toBe(false);

    const one = await node.run(['chat', 'test', '--destination', 'good', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual([{ sink: 'chat:good', destination: 'good', type: 'slack', url: expect.stringMatching(/\/good\/E…\/\*\*\*\*$/), ok: true, ms: expect.any(Number), error: null }]);
    expect(receiver.requests).toHaveLength(3);
    expect(JSON.parse(receiver.requests[2]!.body).text).toContain('nodegrid chat test for destination good');

    const unknown = await node.run(['chat', 'test', '--destination', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no chat destination named "nope"; configured: good, gone');
  });
});
