import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, type TestNode } from '../helpers/cli';
import { snapshot } from '../helpers/node-files';

/**
 * Each bad input gets a message naming what was wrong, a documented exit code,
 * and changes nothing on disk.
 */
interface Case {
  name: string;
  args: string[];
  config?: string;
  nodeinfoFiles?: Record<string, string>;
  code: number;
  message: RegExp;
}

const CASES: Case[] = [
  { name: 'an id with a path in it', args: ['init', '--id', '../../etc/x'], code: 2, message: /instance id "\.\.\/\.\.\/etc\/x" is not valid/ },
  { name: 'an empty id', args: ['init', '--id', ''], code: 2, message: /instance id "" is not valid/ },
  { name: 'the id "."', args: ['init', '--id', '.'], code: 2, message: /not "\." or "\.\."/ },
  { name: 'the id ".."', args: ['init', '--id', '..'], code: 2, message: /instance id "\.\." is not valid/ },
  { name: 'a 10 KB id', args: ['init', '--id', 'x'.repeat(10_240)], code: 2, message: /\(10240 characters\)" is not valid/ },
  { name: 'an id with markup', args: ['init', '--id', '<img src=x>'], code: 2, message: /is not valid/ },
  { name: 'a deployment with a slash (nothing written, not even the id)', args: ['init', '--id', 'i-1', '--deployment', 'fed/1'], code: 2, message: /deployment "fed\/1" is not valid/ },
  { name: 'a different id without --force', args: ['init', '--id', 'i-other'], nodeinfoFiles: { 'instance-id.txt': 'i-mine\n' }, code: 2, message: /already has instance id "i-mine"; refusing/ },
  { name: 'a NUL byte in instance-id.txt', args: ['state', 'set', 'setup'], nodeinfoFiles: { 'instance-id.txt': 'i-1\0../x\n' }, code: 2, message: /no instance id: .*instance-id\.txt holds "i-1\\0\.\.\/x", which is not a valid instance id/ },
  { name: 'no instance id at all', args: ['state', 'set', 'setup'], code: 2, message: /no instance id: .*instance-id\.txt is missing.*\n.*nodegrid init --id/ },
  { name: 'an unknown state', args: ['state', 'set', 'bogus'], nodeinfoFiles: { 'instance-id.txt': 'i-1\n' }, code: 2, message: /unknown state "bogus": known states are presetup, setup/ },
  { name: 'a state with separators', args: ['state', 'set', 'a;b:c'], nodeinfoFiles: { 'instance-id.txt': 'i-1\n' }, code: 2, message: /"a;b:c" is not a state name/ },
  { name: 'an illegal transition', args: ['state', 'set', 'running'], nodeinfoFiles: { 'instance-id.txt': 'i-1\n', 'state.txt': 'setup\n' }, code: 2, message: /cannot go to running: the current state is setup; allowed next: initdone, wedged/ },
  { name: 'a non-numeric --wait', args: ['state', 'set', 'setup', '--wait', 'soon'], nodeinfoFiles: { 'instance-id.txt': 'i-1\n' }, code: 2, message: /--wait must be a number of seconds/ },
  { name: 'a negative --lock-timeout', args: ['state', 'set', 'setup', '--lock-timeout', '-1'], nodeinfoFiles: { 'instance-id.txt': 'i-1\n' }, code: 2, message: /--lock-timeout must be a number of seconds/ },
  { name: 'an unknown flag', args: ['state', 'set', 'setup', '--frobnicate'], code: 2, message: /unknown option '--frobnicate'/ },
  { name: 'an unknown command', args: ['explode'], code: 2, message: /unknown command 'explode'/ },
  { name: 'a note with 3000 characters', args: ['state', 'set', 'setup', '--note', 'n'.repeat(3000)], nodeinfoFiles: { 'instance-id.txt': 'i-1\n' }, code: 2, message: /the note is 3000 characters/ },
  {
    name: 'a config with a wrong chat type',
    args: ['state', 'set', 'setup'],
    config: 'chat:\n  destinations:\n    - {name: a, type: slack, url: "http://127.0.0.1:9/x"}\n    - {name: b, type: hangouts, url: "http://127.0.0.1:9/y"}\n',
    nodeinfoFiles: { 'instance-id.txt': 'i-1\n' },
    code: 2,
    message: /config\.yaml: chat\.destinations\[1\]\.type: expected one of slack, mattermost, rocketchat, discord, teams, hipchat, webhook/,
  },
  { name: 'a config with an unknown key', args: ['state'], config: 'outbox:\n  waitSecs: 3\n', code: 2, message: /outbox: unknown key waitSecs/ },
  { name: 'a config that is not YAML', args: ['state'], config: 'sinks: [\n', code: 2, message: /config\.yaml is not valid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a \]\n$/ },
  { name: 'a config that is not JSON', args: ['state'], config: '{"sinks": ', code: 2, message: /is not valid JSON/ },
  { name: 'a config with a bad duration', args: ['state'], config: 'heartbeat:\n  intervalSeconds: soon\n', code: 2, message: /heartbeat\.intervalSeconds: expected a duration such as 90, "90s"/ },
  { name: 'a lifecycle edge to an unknown state', args: ['state'], config: 'lifecycle:\n  edges: [[initdone, testing]]\n', code: 2, message: /lifecycle\.edges\[0\]: unknown state "testing"/ },
  { name: 'a named config file that does not exist', args: ['--config', '/nonexistent/nodegrid.yaml', 'state'], code: 2, message: /config file \/nonexistent\/nodegrid\.yaml does not exist/ },
  { name: 'dropping an unknown queue', args: ['outbox', 'drop', 'exec:nope', '--yes'], code: 2, message: /no outbox queue named "exec:nope"/ },
];

describe('bad input', () => {
  let n: TestNode;
  beforeAll(() => {
    n = makeTestNode();
  });
  afterAll(() => fs.rmSync(n.root, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`refuses ${c.name} with exit ${c.code} and changes nothing`, async () => {
      fs.rmSync(n.nodeinfo, { recursive: true, force: true });
      fs.rmSync(n.home, { recursive: true, force: true });
      fs.mkdirSync(n.nodeinfo, { recursive: true });
      for (const [file, text] of Object.entries(c.nodeinfoFiles ?? {})) fs.writeFileSync(path.join(n.nodeinfo, file), text);
      const configFile = path.join(n.root, 'config.yaml');
      fs.writeFileSync(configFile, c.config ?? '{}\n');
      const before = snapshot(n.root);

      const result = await n.run(c.args, { env: { NODEGRID_CONFIG: configFile } });
      expect(result.code, result.stderr).toBe(c.code);
      expect(result.stderr).toMatch(c.message);
      expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace without --debug
      expect(result.stdout).toBe('');
      expect(snapshot(n.root)).toEqual(before);
    });
  }
});
