import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { freePort, waitForPort } from './ports.mjs';

/**
 * Real git servers on 127.0.0.1 for tests: `git daemon` with receive-pack
 * enabled, and a tiny HTTP server that runs `git http-backend` as CGI (with
 * optional basic auth). Both run in their own process group and are stopped
 * (group and all) by stop(); tests call it in afterAll/afterEach.
 */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

/** Runs git for test setup and inspection, with no user config in the way. */
export function gitSync(args: readonly string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, {
    cwd: options.cwd,
    input: options.input,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...GIT_IDENTITY, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).toString('utf8');
}

export { freePort, waitForPort };

export interface BareRepoOptions {
  /** Commits on `branch` that nodegrid did not make (a README, another tool's files). */
  readonly unrelatedHistory?: { branch: string; files: Record<string, string> } | undefined;
  /** A pre-receive hook that refuses every push, printing this reason. */
  readonly rejectWith?: string | undefined;
}

/** A bare repository `<baseDir>/<name>`; empty unless options say otherwise. */
export function createBareRepo(baseDir: string, name: string, options: BareRepoOptions = {}): string {
  const dir = path.join(baseDir, name);
  gitSync(['init', '--quiet', '--bare', dir]);
  if (options.unrelatedHistory) commitFiles(dir, options.unrelatedHistory.branch, options.unrelatedHistory.files, 'someone else\'s history');
  if (options.rejectWith !== undefined) {
    const hook = path.join(dir, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, `#!/bin/sh\necho ${JSON.stringify(options.rejectWith)} >&2\nexit 1\n`, { mode: 0o755 });
  }
  return dir;
}

/** Replaces `branch` of a bare repo with a new root commit holding `files` (a force-push of unrelated history). */
export function commitFiles(bareDir: string, branch: string, files: Record<string, string>, message: string, parent?: string): string {
  const index = path.join(bareDir, `test-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    gitSync(['--git-dir', bareDir, 'read-tree', '--empty'], { env });
    for (const [file, content] of Object.entries(files)) {
      const blob = gitSync(['--git-dir', bareDir, 'hash-object', '-w', '--stdin'], { input: content }).trim();
      gitSync(['--git-dir', bareDir, 'update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
    }
    const tree = gitSync(['--git-dir', bareDir, 'write-tree'], { env }).trim();
    const commit = gitSync(['--git-dir', bareDir, 'commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message]).trim();
    gitSync(['--git-dir', bareDir, 'update-ref', `refs/heads/${branch}`, commit]);
    return commit;
  } finally {
    fs.rmSync(index, { force: true });
  }
}

export interface GitServer {
  readonly port: number;
  readonly baseDir: string;
  /** The URL nodegrid uses for repository `name`. */
  url(name: string): string;
  /** Fetches and pushes the server saw per repository, e.g. for "a re-announce is one fetch and one push". */
  requests(name: string): { fetches: number; pushes: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `git daemon` on 127.0.0.1 serving every repository under baseDir, pushes allowed.
 * `accessHook` runs before each fetch or push is served (git daemon --access-hook,
 * arguments: service, repository path, …): a test can slip its own push in there.
 */
export async function startGitDaemon(baseDir: string, options: { accessHook?: string } = {}): Promise<GitServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const server: GitServer = {
    port,
    baseDir,
    url: (name) => `git://127.0.0.1:${port}/${name}`,
    requests(name) {
      const count = (service: string): number => log.split('\n').filter((line) => line.includes(`Request ${service} for '/${name}'`)).length;
      return { fetches: count('upload-pack'), pushes: count('receive-pack') };
    },
    async start() {
      child = spawn(
        'git',
        ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, '--export-all', '--enable=receive-pack', '--verbose', ...(options.accessHook ? [`--access-hook=${options.accessHook}`] : []), `--base-path=${baseDir}`, baseDir],
        { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LC_ALL: 'C' } },
      );
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      await waitForPort(port);
    },
    async stop() {
      await stopGroup(child);
      child = undefined;
    },
  };
  await server.start();
  return server;
}

/** An HTTP server that runs `git http-backend` per request, optionally behind basic auth. */
export async function startGitHttpServer(baseDir: string, auth?: { user: string; password: string }): Promise<GitServer> {
  const port = await freePort();
  const seen: Array<{ name: string; service: string }> = [];
  let httpServer: http.Server | undefined;
  const expected = auth ? `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` : undefined;
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="presence"' }).end('unauthorized\n');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const service = url.searchParams.get('service') ?? url.pathname.split('/').at(-1) ?? '';
    seen.push({ name: url.pathname.split('/')[1] ?? '', service });
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: baseDir,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: auth?.user ?? 'anonymous',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => {
      if (!headerDone) res.writeHead(500);
      res.end();
    });
  };
  const server: GitServer = {
    port,
    baseDir,
    url: (name) => (auth ? `http://${auth.user}:${auth.password}@127.0.0.1:${port}/${name}` : `http://127.0.0.1:${port}/${name}`),
    requests(name) {
      const mine = seen.filter((s) => s.name === name);
      return { fetches: mine.filter((s) => s.service === 'git-upload-pack' && s.service !== undefined).length, pushes: mine.filter((s) => s.service === 'git-receive-pack').length };
    },
    async start() {
      httpServer = http.createServer(handle);
      await new Promise<void>((resolve) => httpServer!.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      const s = httpServer;
      httpServer = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await server.start();
  return server;
}

async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}

/** A temporary folder for bare repositories, removed by the returned function. */
export function makeRepoRoot(prefix = 'nodegrid-git-'): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A folder of bare repositories and a `git daemon` serving it for one test
 * file, started in beforeAll and stopped in afterAll; test nodes made with
 * `track` are removed after each test.
 */
export function useGitDaemon<Node extends { root: string }>(): { repos: () => string; daemon: () => GitServer; track: (node: Node) => Node } {
  let repos: ReturnType<typeof makeRepoRoot> | undefined;
  let daemon: GitServer | undefined;
  const nodes: Node[] = [];
  beforeAll(async () => {
    repos = makeRepoRoot();
    daemon = await startGitDaemon(repos.dir);
  });
  afterAll(async () => {
    await daemon?.stop();
    repos?.remove();
  });
  afterEach(() => {
    for (const node of nodes.splice(0)) fs.rmSync(node.root, { recursive: true, force: true });
  });
  return {
    repos: () => repos!.dir,
    daemon: () => daemon!,
    track: (node) => (nodes.push(node), node),
  };
}
