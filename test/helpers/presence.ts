import fs from 'node:fs';
import { makeTestNode, type TestNode } from './cli';
import { gitSync } from './git-server';

/** A test node whose presence remote is `url`, with its identity written. */
export async function presenceNode(url: string, id: string, presence: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<TestNode> {
  const node = makeTestNode('nodegrid-presence-');
  node.writeConfig({ presence: { remote: url, ...presence }, outbox: { waitSeconds: 30 }, ...extra });
  const init = await node.run(['init', '--id', id, '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1']);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  return node;
}

export function remoteFile(bareDir: string, ref: string, file: string): string | undefined {
  try {
    return gitSync(['--git-dir', bareDir, 'show', `${ref}:${file}`]);
  } catch {
    return undefined;
  }
}

/** Commit subjects touching `file` on `ref`, oldest first. */
export function remoteSubjects(bareDir: string, ref: string, file?: string): string[] {
  const out = gitSync(['--git-dir', bareDir, 'log', '--reverse', '--format=%s', ref, ...(file ? ['--', file] : [])]);
  return out.split('\n').filter(Boolean);
}

export function mergeCommits(bareDir: string, ref: string): string[] {
  return gitSync(['--git-dir', bareDir, 'rev-list', '--merges', ref]).split('\n').filter(Boolean);
}

/** Pending event files of a node's presence queue. */
export function pendingPresenceEvents(node: TestNode, sink = 'presence:origin'): string[] {
  try {
    return fs.readdirSync(`${node.home}/outbox/${sink}`).filter((name) => /^\d{12}-/.test(name));
  } catch {
    return [];
  }
}

/** The document the node should have published, built from its nodeinfo files (the source of truth). */
export function expectedDocument(node: TestNode, extra: Record<string, string> = {}): string {
  const value: Record<string, string> = { ...extra };
  const read = (name: string): string | undefined => node.read(`nodeinfo/${name}.txt`)?.trim();
  for (const [key, file] of [['instance-id', 'instance-id'], ['deployment', 'deployment'], ['nodepart', 'nodepart'], ['stacktype', 'stacktype'], ['state', 'state'], ['statetss', 'statetss']] as const) {
    const v = read(file);
    if (v) value[key] = v;
  }
  value.statelog = read('statelog') ?? '';
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ filetype: 'nodepresence', value: sorted }, null, 4)}\n`;
}
