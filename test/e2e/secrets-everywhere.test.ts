import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNode, readAllFiles, type CliResult, type TestNode } from '../helpers/cli';
import { createBareRepo, gitSync, makeRepoRoot, startGitHttpServer, type GitServer } from '../helpers/git-server';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

/**
 * Every path a text can take out of nodegrid, each fed the node's real
 * secrets (from the nodeinfo folder, the environment, the config), planted as
 * KEY=VALUE, URL-encoded and bare: notes, a failing work script's output, an
 * exec sink's error, a chat service's error page, a git host's refusal, CLI
 * errors and --debug stacks. None may come out: not in a file under
 * $NODEGRID_HOME, not on stdout/stderr, not at the chat service, not in the
 * presence repositories' objects. A commit SHA and a path in a note survive.
 */

// Obviously fake, each from a different source.
const ENV_SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'; // AWS_SECRET_ACCESS_KEY
const ENV_TOKEN = 'apiTok3n-EXAMPLE-7f3a9c'; // MY_API_TOKEN
const NODEINFO_SK = 'nodeinfo+Secret/EXAMPLE-41b7'; // nodeinfo/secret_key.txt
const CHAT_TOKEN = 'chatPathToken9EXAMPLE'; // the Slack URL's last segment
const WEBHOOK_SECRET = 'webhookSigningSecretEXAMPLE'; // chat.destinations[].secret
const REMOTE_PASSWORD = 'remotePassw0rdEXAMPLE'; // in the presence remotes' URLs
const SECRETS = [ENV_SK, ENV_TOKEN, NODEINFO_SK, CHAT_TOKEN, WEBHOOK_SECRET, REMOTE_PASSWORD];

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const LOCK_PATH = '/root/.local/state/nodegrid/clones/presence-origin.git/shallow.lock';

/** Each secret as it may be written: as is, URL-encoded, URL-encoded with lowercase escapes. */
function spellings(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return [...new Set([secret, encoded, encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())])];
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });

let repos: ReturnType<typeof makeRepoRoot>;
let server: GitServer;
let receiver: HttpReceiver;
let n: TestNode;

beforeAll(async () => {
  repos = makeRepoRoot();
  server = await startGitHttpServer(repos.dir, { user: 'deploy', password: REMOTE_PASSWORD });
  receiver = await startHttpReceiver();
  n = makeTestNode('nodegrid-secrets-');
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  repos?.remove();
  if (n) fs.rmSync(n.root, { recursive: true, force: true });
});

/** A config repo whose work script echoes its environment and the node's secret file, then fails. */
function leakyConfigRepo(root: string): string {
  const remote = path.join(root, 'config-remote.git');
  const author = path.join(root, 'config-author');
  const repoDir = path.join(root, 'gitrepo');
  git(root, 'init', '--bare', '-q', remote);
  git(root, 'clone', '-q', remote, author);
  fs.mkdirSync(path.join(author, 'bin/nodework/common'), { recursive: true });
  const script = [
    '#!/bin/sh',
    'env',
    'echo "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY MY_API_TOKEN=$MY_API_TOKEN"',
    'echo "key file: $(cat "$NODEGRID_NODEINFO/secret_key.txt") env: $AWS_SECRET_ACCESS_KEY $MY_API_TOKEN"',
    'exit 1',
  ].join('\n');
  fs.writeFileSync(path.join(author, 'bin/nodework/common/work.sh'), `${script}\n`, { mode: 0o755 });
  git(author, 'add', '-A');
  git(author, 'commit', '-q', '-m', 'leaky work');
  git(author, 'push', '-q', 'origin', 'HEAD:main');
  fs.mkdirSync(repoDir);
  git(repoDir, 'clone', '-q', remote, 'config');
  return repoDir;
}

/**
 * A git host that refuses every push and prints back what it was sent (stdin,
 * args, the pushed commit's message) and, like a careless error page, the
 * secrets it knows of in every spelling.
 */
function refusingRepo(): string {
  const bare = createBareRepo(repos.dir, 'refusing.git');
  const echoed = SECRETS.flatMap(spellings).join(' ');
  const hook = [
    '#!/bin/sh',
    'echo "refused: args $*"',
    'while read old new ref; do',
    '  echo "refused $old $new $ref"',
    '  git log -1 --format=%B "$new"',
    'done',
    `echo "AWS_SECRET_ACCESS_KEY=${ENV_SK} MY_API_TOKEN=${ENV_TOKEN} echoed: ${echoed}"`,
    'exit 1',
  ].join('\n');
  fs.writeFileSync(path.join(bare, 'hooks', 'pre-receive'), `${hook}\n`, { mode: 0o755 });
  return bare;
}

/** Every object of a repository, contents included. */
function allObjects(gitDir: string): string {
  return gitSync(['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch']);
}

/** Git directories nodegrid keeps under its home (the presence clones). */
function gitDirsUnder(dir: string): string[] {
  return readAllFiles(dir)
    .filter((f) => path.basename(f.file) === 'HEAD' && fs.existsSync(path.join(path.dirname(f.file), 'objects')))
    .map((f) => path.dirname(f.file));
}

describe('secrets, in every spelling, on every path a text can take', () => {
  it('never leave the process or land on disk, while SHAs and paths in notes survive', async () => {
    const good = createBareRepo(repos.dir, 'good.git');
    const refusing = refusingRepo();
    const repoDir = leakyConfigRepo(n.root);
    const events = path.join(n.root, 'events.jsonl');
    const env = { AWS_SECRET_ACCESS_KEY: ENV_SK, MY_API_TOKEN: ENV_TOKEN };
    receiver.setDefault({ status: 500, echo: true });
    n.writeConfig({
      heartbeat: { repoDir, wedgeAfterFailures: 1 },
      outbox: { waitSeconds: 20 },
      presence: { remotes: [{ name: 'good', url: server.url('good.git') }, { name: 'refusing', url: server.url('refusing.git') }] },
      chat: {
        destinations: [
          { name: 'ops', type: 'slack', url: receiver.url(`/services/TEXAMPLE/BEXAMPLE/${CHAT_TOKEN}`), minIntervalSeconds: 0, timeoutSeconds: 2 },
          { name: 'hook', type: 'webhook', url: receiver.url('/hook/EXAMPLE'), secret: WEBHOOK_SECRET, timeoutSeconds: 2 },
        ],
      },
      sinks: {
        exec: [
          { name: 'events', command: `cat >> '${events}'; echo >> '${events}'`, kinds: ['state', 'notify'] },
          {
            name: 'down',
            command: 'cat; echo; echo "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY token $MY_API_TOKEN nodeinfo $(cat "$NODEGRID_NODEINFO/secret_key.txt")"; exit 3',
          },
        ],
      },
    });

    const outputs: CliResult[] = [];
    const run = async (args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> => {
      const result = await n.run(args, { env: { ...env, ...extraEnv } });
      outputs.push(result);
      return result;
    };

    expect((await run(['init', '--id', 'i-5ec7e75a', '--deployment', 'fed1', '--nodepart', 'app1', '--initgitrepo', 'config'])).code).toBe(0);
    fs.writeFileSync(path.join(n.nodeinfo, 'secret_key.txt'), `${NODEINFO_SK}\n`);

    // Notes: KEY=VALUE, bare, URL-encoded; with a SHA and a path that must survive.
    const setup = await run(['state', 'set', 'setup', '--note', `AWS_SECRET_ACCESS_KEY=${ENV_SK}`]);
    expect(setup.code, setup.stderr).toBe(0);
    const note = [
      `bare ${NODEINFO_SK} ${ENV_TOKEN} ${ENV_SK} ${CHAT_TOKEN} ${WEBHOOK_SECRET} ${REMOTE_PASSWORD};`,
      `encoded ${SECRETS.map(encodeURIComponent).join(' ')};`,
      `deployed ${SHA}; lock ${LOCK_PATH}`,
    ].join(' ');
    expect((await run(['state', 'set', 'initdone', '--note', note])).code).toBe(0);

    // A failing work script that echoes its environment: the wedged note carries its output's tail.
    const tick = await run(['tick', '--now', '--json']);
    expect(tick.code, tick.stderr).toBe(3);
    expect(fs.readFileSync(path.join(n.nodeinfo, 'state.txt'), 'utf8')).toBe('wedged\n');

    // CLI errors that quote what they were given, and an unexpected failure's stack under --debug.
    expect((await run(['outbox', 'flush', '--wait', ENV_TOKEN])).code).toBe(2);
    await run(['state', 'set', 'setup', `--bogus=${ENV_TOKEN}`]);
    const blocker = path.join(n.root, 'blocker');
    fs.writeFileSync(blocker, '');
    const debug = await run(['--debug', 'state', 'set', 'setup'], { NODEGRID_HOME: path.join(blocker, ENV_TOKEN) });
    expect(debug.code).not.toBe(0);
    expect(debug.stderr).toContain(path.join(blocker, '****'));

    await run(['outbox', 'flush']);
    for (const args of [['outbox'], ['outbox', '--json'], ['state', '--json'], ['state', 'log', '--json'], ['info', '--json']]) await run(args);

    // Every failure actually happened, with its reason, so the redaction was exercised.
    const statuses = readAllFiles(path.join(n.home, 'outbox'))
      .filter((f) => path.basename(f.file) === 'status.json')
      .map((f) => JSON.parse(f.text) as { lastError?: string });
    const errors = statuses.map((s) => s.lastError ?? '').join('\n');
    expect(errors).toMatch(/exec sink down: exit code 3: AWS_SECRET_ACCESS_KEY=\*\*\*\* token \*\*\*\* nodeinfo \*\*\*\*/);
    expect(errors).toContain('HTTP 500');
    expect(errors).toMatch(/refusing/);
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(allObjects(good)).toContain('"state": "wedged"');

    // Where a secret could be found: every file nodegrid wrote, every stream, what the sinks received, the repositories.
    const places: Array<{ where: string; text: string }> = [
      ...readAllFiles(n.home).map((f) => ({ where: f.file, text: f.text })),
      { where: events, text: fs.readFileSync(events, 'utf8') },
      ...outputs.flatMap((o, i) => [
        { where: `stdout of command ${i}`, text: o.stdout },
        { where: `stderr of command ${i}`, text: o.stderr },
      ]),
      // The URL's path is where the chat token belongs; the bodies and headers must not carry any secret.
      ...receiver.requests.map((r, i) => ({ where: `chat request ${i}`, text: `${JSON.stringify(r.headers)} ${r.body}` })),
      ...[good, refusing, ...gitDirsUnder(n.home)].map((dir) => ({ where: `objects of ${dir}`, text: allObjects(dir) })),
      { where: 'git log -p of good.git', text: gitSync(['--git-dir', good, 'log', '-p', '--all']) },
    ];
    const found = places.flatMap(({ where, text }) => SECRETS.flatMap(spellings).filter((s) => text.includes(s)).map((s) => `${where}: ${s}`));
    expect(found).toEqual([]);

    // What operators need survives: the SHA and the path, in the commit message and the log.
    const messages = gitSync(['--git-dir', good, 'log', '--all', '--format=%B']);
    expect(messages).toContain('AWS_SECRET_ACCESS_KEY=****');
    expect(messages).toContain(`deployed ${SHA}; lock ${LOCK_PATH}`);
    const log = fs.readFileSync(path.join(n.home, 'log/nodegrid.log'), 'utf8');
    expect(log).toContain(`deployed ${SHA}; lock ${LOCK_PATH}`);
    expect(log).toMatch(/work failed|WEDGED/);
  });
});
