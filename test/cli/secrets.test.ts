import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestNode, readAllFiles } from '../helpers/cli';

// Obviously fake, but shaped like the real thing so the detectors must catch them.
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CHAT_TOKEN = 'xoxb-EXAMPLE-0000000000-plantedtoken';

describe('secrets in the nodeinfo folder and in notes', () => {
  const n = makeTestNode();
  afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

  it('never appear in any output, log or outbox file', async () => {
    const hookOut = path.join(n.root, 'hook-received');
    n.writeConfig({ sinks: { exec: [{ name: 'hook', command: `cat >> '${hookOut}'` }, { name: 'down', command: 'exit 1' }] } });
    await n.run(['init', '--id', 'i-5ec2e75a', '--deployment', 'fed1', '--nodepart', 'app1']);
    fs.writeFileSync(path.join(n.nodeinfo, 'access_key.txt'), `${ACCESS_KEY}\n`);
    fs.writeFileSync(path.join(n.nodeinfo, 'secret_key.txt'), `${SECRET_KEY}\n`);
    fs.writeFileSync(path.join(n.nodeinfo, 'chat_token.txt'), `${CHAT_TOKEN}\n`);

    const outputs: string[] = [];
    for (const args of [
      ['state', 'set', 'setup'],
      ['state', 'set', 'initdone', '--note', `copied ${SECRET_KEY} and ${ACCESS_KEY} by mistake, token ${CHAT_TOKEN}`],
      ['state'],
      ['state', '--json'],
      ['state', 'log', '--json'],
      ['info'],
      ['info', '--json'],
      ['outbox'],
      ['outbox', '--json'],
      ['outbox', 'flush'],
    ]) {
      const r = await n.run(args);
      outputs.push(r.stdout, r.stderr);
    }
    const files = readAllFiles(n.home).concat({ file: hookOut, text: fs.readFileSync(hookOut, 'utf8') });
    expect(files.length).toBeGreaterThan(3);
    for (const secret of [ACCESS_KEY, SECRET_KEY, CHAT_TOKEN]) {
      for (const text of outputs) expect(text).not.toContain(secret);
      for (const { file, text } of files) expect(text, file).not.toContain(secret);
    }
    // The note still arrives, with the secrets cut out.
    expect(fs.readFileSync(hookOut, 'utf8')).toContain('"note":"copied **** and **** by mistake, token ****"');
  });
});
