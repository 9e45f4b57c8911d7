import fs from 'node:fs';
import { afterEach } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { PAYLOAD_SCHEMAS } from '../sinks/chat/schemas';

/** A test node with its own loopback receiver, both cleaned up after each test. */
export interface ChatRig {
  node: TestNode;
  receiver: HttpReceiver;
}

const rigs: ChatRig[] = [];

export function useChatRigs(): () => Promise<ChatRig> {
  afterEach(async () => {
    for (const rig of rigs.splice(0)) {
      await rig.receiver.close();
      fs.rmSync(rig.node.root, { recursive: true, force: true });
    }
  });
  return async () => {
    const rig = { node: makeTestNode('nodegrid-chat-'), receiver: await startHttpReceiver() };
    rigs.push(rig);
    return rig;
  };
}

export async function initNode(node: TestNode, deployment = 'fed1'): Promise<void> {
  const result = await node.run(['init', '--id', 'i-5e7ab38a', '--deployment', deployment, '--nodepart', 'app1', '--stacktype', 'lad1']);
  if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
}

/** Parses a received body and checks it against the service's documented schema. */
// Checked against the service's schema here; the tests then read whichever fields they assert on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validPayload(type: keyof typeof PAYLOAD_SCHEMAS, body: string): any {
  const json = JSON.parse(body);
  const parsed = PAYLOAD_SCHEMAS[type].safeParse(json);
  if (!parsed.success) throw new Error(`${type} payload does not match its schema: ${JSON.stringify(parsed.error.issues)}\n${body}`);
  return json;
}
