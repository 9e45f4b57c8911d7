import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatDestinationConfig } from '../../../src/config/schema';
import { testMessage } from '../../../src/sinks/chat/message';
import { PostPace } from '../../../src/sinks/chat/ratelimit';
import { sendChatMessage } from '../../../src/sinks/chat/send';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0)) await undo();
});

async function rig(): Promise<{ receiver: HttpReceiver; home: string; destination: ChatDestinationConfig }> {
  const receiver = await startHttpReceiver();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-send-'));
  cleanup.push(() => receiver.close(), () => fs.rmSync(home, { recursive: true, force: true }));
  const destination: ChatDestinationConfig = { name: 'pager', type: 'discord', url: receiver.url('/api/webhooks/EXAMPLE/tokenEXAMPLE'), minSeverity: 'chatty', via: 'node', timeoutSeconds: 5 };
  return { receiver, home, destination };
}

describe('sendChatMessage pacing', () => {
  it('honours Discord’s empty rate-limit bucket before the next post, even from another process', async () => {
    const { receiver, home, destination } = await rig();
    receiver.script({ status: 204, headers: { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.2' } });
    const first = await sendChatMessage(destination, testMessage('n1', 'pager', new Date()), { homeDir: home });
    expect(first.ok).toBe(true);
    // What a second process would see: the pause the service asked for, not just the 1 s default.
    expect(new PostPace(path.join(home, 'chat'), 'pager', 1000).waitMs()).toBeGreaterThan(1000);
    const second = await sendChatMessage(destination, testMessage('n1', 'pager', new Date()), { homeDir: home });
    expect(second.ok).toBe(true);
    expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(1150);
  });

  it('reports a pause that would outlast the deadline instead of waiting for it', async () => {
    const { receiver, home, destination } = await rig();
    await sendChatMessage(destination, testMessage('n1', 'pager', new Date()), { homeDir: home });
    const started = Date.now();
    const result = await sendChatMessage(destination, testMessage('n1', 'pager', new Date()), { homeDir: home, deadline: Date.now() + 200 });
    expect(Date.now() - started).toBeLessThan(600); // far below the 1 s pause it would otherwise wait
    expect(result.ok).toBe(false);
    expect(result.failure).toMatchObject({ retryAfterMs: expect.any(Number), message: expect.stringContaining('pacing posts') });
    expect(result.failure!.message).not.toContain('tokenEXAMPLE');
    expect(receiver.requests).toHaveLength(1);
  });
});
