import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/** The built bundle, as users run it (see global-setup.ts). */
export function nodegridBin(): string {
  return inject('nodegridBin');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `node dist/nodegrid.cjs ARGS` as a real process. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nodegridBin(), ...args], {
      cwd: options.cwd,
      env: { ...cleanEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The test process's environment without anything that would point nodegrid at real places. */
export function cleanEnv(): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODEGRID_') && !key.startsWith('AWS_')));
  env.NO_COLOR = '1';
  return env;
}

export interface TestNode {
  root: string;
  nodeinfo: string;
  home: string;
  configFile: string;
  /** NODEGRID_NODEINFO / NODEGRID_HOME / NODEGRID_CONFIG for this node. */
  env: Record<string, string>;
  writeConfig(config: unknown): void;
  read(file: string): string | undefined;
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
}

/** A node of its own in a temporary folder: nodeinfo, home and an empty config. */
export function makeTestNode(prefix = 'nodegrid-test-'): TestNode {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const nodeinfo = path.join(root, 'nodeinfo');
  const home = path.join(root, 'home');
  const configFile = path.join(root, 'config.json');
  fs.writeFileSync(configFile, '{}\n');
  const env = { NODEGRID_NODEINFO: nodeinfo, NODEGRID_HOME: home, NODEGRID_CONFIG: configFile };
  return {
    root,
    nodeinfo,
    home,
    configFile,
    env,
    writeConfig(config) {
      fs.writeFileSync(configFile, typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`);
    },
    read(file) {
      try {
        return fs.readFileSync(path.isAbsolute(file) ? file : path.join(root, file), 'utf8');
      } catch {
        return undefined;
      }
    },
    run(args, options = {}) {
      return runCli(args, { ...options, env: { ...env, ...options.env } });
    },
  };
}

/** Every file under a folder, with contents: for "no secret anywhere" checks. */
export function readAllFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ file: full, text: fs.readFileSync(full, 'utf8') });
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
