import fs from 'node:fs';
import path from 'node:path';
import type { NodeIdentity } from '../core/event';
import { runProcess } from '../sys/process';

/**
 * The node's work scripts, looked up in the original's hierarchy: common, then
 * part, then stacktype, then stacktype+part. Only those that exist run, in that
 * order, from the root of the config repo; the first failure stops the rest.
 * Leaving service looks up `drain.sh` and `decommission.sh` beside them.
 */
export function workScripts(configRepo: string, node: NodeIdentity, name: 'work.sh' | 'drain.sh' | 'decommission.sh' = 'work.sh'): string[] {
  const candidates = [`bin/nodework/common/${name}`];
  if (node.nodepart) candidates.push(`bin/nodework/part/${node.nodepart}/${name}`);
  if (node.stacktype) candidates.push(`bin/nodework/stacktype/${node.stacktype}/${name}`);
  if (node.stacktype && node.nodepart) candidates.push(`bin/nodework/stacktype/${node.stacktype}/part/${node.nodepart}/${name}`);
  return candidates.filter((relative) => fs.existsSync(path.join(configRepo, relative)));
}

/** What every script of the node (work, drain, decommission) is told about it. */
export function scriptEnvironment(node: NodeIdentity, state: string | undefined, repoDir: string): Record<string, string> {
  return {
    NODEGRID_ID: node.id,
    NODEGRID_DEPLOYMENT: node.deployment ?? '',
    NODEGRID_NODEPART: node.nodepart ?? '',
    NODEGRID_STACKTYPE: node.stacktype ?? '',
    NODEGRID_INITGITREPO: node.initgitrepo ?? '',
    NODEGRID_STATE: state ?? '',
    NODEGRID_REPO_DIR: repoDir,
  };
}

export interface ScriptOutcome {
  readonly script: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly ms: number;
  /** The last lines of its output, for the wedged note. */
  readonly tail: string;
}

const KEEP_OUTPUT = 8 * 1024;
const TAIL_CHARS = 300;

export async function runWorkScript(
  configRepo: string,
  relative: string,
  env: Record<string, string>,
  timeoutMs: number,
  onOutput: (line: string) => void,
  redact: (text: string) => string = (text) => text,
): Promise<ScriptOutcome> {
  const file = path.join(configRepo, relative);
  // A script committed without its executable bit still runs, with bash.
  const executable = isExecutable(file);
  const started = Date.now();
  let output = '';
  let partial = '';
  const collect = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onOutput(line);
    output = output + chunk.toString('utf8');
    // Keep whole lines only: a line cut in half may hold half a secret, which no redactor recognises.
    if (output.length > KEEP_OUTPUT) output = output.slice(output.indexOf('\n', output.length - KEEP_OUTPUT) + 1 || output.length);
  };
  const result = await runProcess({
    command: executable ? file : 'bash',
    args: executable ? [] : [file],
    cwd: configRepo,
    env: { ...process.env, ...env },
    timeoutMs,
    maxBytes: 0,
    onOutput: collect,
    // A service the script started in the background may hold our pipes: after the script
    // itself exits, give its last output a moment, stop reading, and leave the service running.
    pipeGraceMs: 200,
  });
  if (partial) onOutput(partial);
  const text = result.startError ?? output;
  const tail = outputTail(redact(text.trim().split('\n').slice(-3).join(' | ')));
  return { script: relative, ok: result.code === 0 && !result.timedOut, exitCode: result.code, timedOut: result.timedOut, ms: Date.now() - started, tail };
}

/**
 * The last 300 characters, redacted before they are cut (a secret cut in half
 * no longer matches) and starting at a word, so no half token is kept.
 */
function outputTail(redacted: string): string {
  if (redacted.length <= TAIL_CHARS) return redacted;
  const cut = redacted.slice(-TAIL_CHARS);
  const word = cut.search(/\s/);
  return word === -1 ? `…${cut}` : `…${cut.slice(word)}`;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
