import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReceivedRequest } from '../helpers/http-receiver';
import { hasTool } from '../helpers/tools';
import { initNode, useChatRigs, validPayload } from './chat-setup';

/**
 * The README's "Webhook signatures" snippets, run as written against what a
 * real nodegrid process sent a real receiver: if the code or the README
 * changes so that they disagree, this fails.
 */
const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
const withPython = hasTool('python3', import.meta.filename);
const newRig = useChatRigs();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-readme-verify-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SECRET = 'whsecretEXAMPLE-signing';

/** The fenced block of `language` in the README's "### Webhook signatures" section. */
function snippet(language: 'js' | 'python'): string {
  const start = readme.indexOf('\n### Webhook signatures\n');
  expect(start, 'README has no "### Webhook signatures"').toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const code = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section)?.[1];
  expect(code, `no \`\`\`${language} block under "### Webhook signatures"`).toBeDefined();
  return code!;
}

interface Case {
  readonly secret: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly now: number;
}

async function verifyWithNode(cases: readonly Case[]): Promise<boolean[]> {
  const file = path.join(tmp, 'verify.mjs');
  fs.writeFileSync(file, snippet('js'));
  const { verifyNodegrid } = (await import(pathToFileURL(file).href)) as { verifyNodegrid: (s: string, h: Record<string, string>, b: Buffer, t: number, n: number) => boolean };
  return cases.map((c) => verifyNodegrid(c.secret, c.headers, c.body, 300, c.now));
}

function verifyWithPython(cases: readonly Case[]): boolean[] {
  const file = path.join(tmp, 'verify.py');
  // http.server hands a handler its headers as an email.message.Message: case-insensitive, as the snippet expects.
  const driver = `
import base64, email.message, json, sys
results = []
for case in json.load(sys.stdin):
    headers = email.message.Message()
    for name, value in case["headers"].items():
        headers[name] = value
    results.append(verify_nodegrid(case["secret"], headers, base64.b64decode(case["body"]), 300, case["now"]))
print(json.dumps(results))
`;
  fs.writeFileSync(file, `${snippet('python')}\n${driver}`);
  const input = JSON.stringify(cases.map((c) => ({ ...c, body: c.body.toString('base64') })));
  return JSON.parse(execFileSync('python3', [file], { input, encoding: 'utf8' })) as boolean[];
}

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

async function receivedWebhook(extra: object = {}, secret = SECRET): Promise<ReceivedRequest> {
  const { node, receiver } = await newRig();
  node.writeConfig({ chat: { destinations: [{ name: 'hooks', type: 'webhook', url: receiver.url('/hooks/nodegrid'), secret, ...extra }] } });
  await initNode(node);
  const result = await node.run(['state', 'set', 'setup', '--note', 'café ünïcode, so the body is not ASCII']);
  expect(result.code, result.stderr).toBe(0);
  expect(receiver.requests).toHaveLength(1);
  validPayload('webhook', receiver.requests[0]!.body);
  return receiver.requests[0]!;
}

describe('the README’s webhook verification, run as written against a real request', () => {
  it('documents what is sent: X-Nodegrid-Timestamp in Unix seconds and X-Nodegrid-Signature sha256=<hex> over timestamp "." body', async () => {
    const request = await receivedWebhook();
    const timestamp = String(request.headers['x-nodegrid-timestamp']);
    expect(timestamp).toMatch(/^\d{10}$/);
    const hmac = crypto.createHmac('sha256', SECRET).update(`${timestamp}.${request.body}`).digest('hex');
    expect(request.headers['x-nodegrid-signature']).toBe(`sha256=${hmac}`);
  });

  const languages = [
    ['Node', verifyWithNode, true],
    ['Python', verifyWithPython, withPython],
  ] as const;
  for (const [language, verify, available] of languages) {
    it.skipIf(!available)(`${language}: accepts the request as received; refuses a changed body, another secret, a moved timestamp, no signature, and a replay outside 5 minutes`, async () => {
      const request = await receivedWebhook();
      const headers = headersOf(request);
      const body = Buffer.from(request.body, 'utf8');
      const sent = Number(headers['x-nodegrid-timestamp']);
      const tampered = Buffer.from(request.body.replace('"setup"', '"wedgd"'), 'utf8');
      const unsigned = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-nodegrid-signature'));
      const results = await verify([
        { secret: SECRET, headers, body, now: sent + 1 },
        { secret: SECRET, headers, body, now: sent + 299 },
        { secret: SECRET, headers, body: tampered, now: sent },
        { secret: 'another-secret-EXAMPLE', headers, body, now: sent },
        { secret: SECRET, headers: { ...headers, 'x-nodegrid-timestamp': String(sent + 1) }, body, now: sent },
        { secret: SECRET, headers: unsigned, body, now: sent },
        { secret: SECRET, headers, body, now: sent + 301 },
        { secret: SECRET, headers, body, now: sent - 301 },
      ]);
      expect(results).toEqual([true, true, false, false, false, false, false, false]);
    });
  }

  it('standardWebhooks: true also sends webhook-id, webhook-timestamp and webhook-signature as the Standard Webhooks spec verifies them', async () => {
    const key = crypto.randomBytes(32);
    const secret = `whsec_${key.toString('base64')}`;
    const request = await receivedWebhook({ standardWebhooks: true }, secret);
    const id = String(request.headers['webhook-id']);
    const timestamp = String(request.headers['webhook-timestamp']);
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(timestamp).toBe(request.headers['x-nodegrid-timestamp']);
    // The spec: space-separated "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", compared in constant time.
    const expected = Buffer.from(crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(Buffer.from(request.body, 'utf8')).digest('base64'));
    const matches = String(request.headers['webhook-signature'])
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => Buffer.from(entry.slice(3)))
      .some((given) => given.length === expected.length && crypto.timingSafeEqual(given, expected));
    expect(matches).toBe(true);
    // The nodegrid headers still verify, keyed with the whole secret string.
    expect((await verifyWithNode([{ secret, headers: headersOf(request), body: Buffer.from(request.body, 'utf8'), now: Number(timestamp) }]))[0]).toBe(true);
  });
});
