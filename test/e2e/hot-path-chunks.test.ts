import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin, type TestNode } from '../helpers/cli';
import { loadTracer, type LoadTracer } from '../helpers/load-tracer';

/**
 * What a node runs unattended (`state set` at boot, `tick` every minute) is
 * built into a few chunk files (scripts/lib/hot-path-chunks.mjs): each file a
 * start loads costs a read, a code-cache read, a resolve and a compile. These
 * tests run the built launcher as cron does and list the files it loaded.
 */
const roots: string[] = [];
const tracers: LoadTracer[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  for (const tracer of tracers.splice(0)) tracer.remove();
});

function node(): TestNode {
  const made = makeTestNode('nodegrid-hot-');
  roots.push(made.root);
  return made;
}

/**
 * The chunk files (names under dist/chunks) a run loaded, in order: the second
 * of two runs, as on a node, where the first run validated the config and kept
 * it (the schema's chunk is loaded only then).
 */
async function chunksLoaded(n: TestNode, args: string[]): Promise<string[]> {
  expect((await n.run(args)).code).toBe(0);
  const tracer = loadTracer();
  tracers.push(tracer);
  const result = await n.run(args, { env: tracer.env });
  expect(result.code, result.stderr).toBe(0);
  const chunks = path.join(path.dirname(nodegridBin()), 'chunks') + path.sep;
  return tracer.loaded().filter((file) => file.startsWith(chunks)).map((file) => file.slice(chunks.length));
}

describe('the hot paths', () => {
  it('state set loads its own chunk and what it shares, not a file per shared module', async () => {
    const n = node();
    expect((await n.run(['init', '--id', 'i-be4c0a01', '--deployment', 'fed1'])).code).toBe(0);
    const loaded = await chunksLoaded(n, ['state', 'set', 'setup', '--force']);
    expect(loaded.length, loaded.join(', ')).toBeLessThanOrEqual(3);
    expect(loaded.every((file) => file.startsWith('state-')), loaded.join(', ')).toBe(true);
  });

  it('state set with no remote sinks loads no schema code: nothing it reads back needs checking', async () => {
    const n = node();
    expect((await n.run(['init', '--id', 'i-be4c0a03', '--deployment', 'fed1'])).code).toBe(0);
    const chunks = path.join(path.dirname(nodegridBin()), 'chunks');
    const loaded = [path.join(path.dirname(nodegridBin()), 'nodegrid-main.cjs'), ...(await chunksLoaded(n, ['state', 'set', 'setup', '--force'])).map((file) => path.join(chunks, file))];
    // zod's base class; the event, pending-change and config schemas are loaded when a file is there to read.
    expect(loaded.filter((file) => fs.readFileSync(file, 'utf8').includes('$ZodType')).map((file) => path.basename(file))).toEqual([]);
    // The same marker is in the build, where a tick loads it to read its work state: the check can fail.
    expect(fs.readdirSync(chunks).some((file) => fs.readFileSync(path.join(chunks, file), 'utf8').includes('$ZodType'))).toBe(true);
  });

  it('a tick loads its own chunk and what it shares with state set', async () => {
    const n = node();
    expect((await n.run(['init', '--id', 'i-be4c0a02'])).code).toBe(0);
    const repoDir = path.join(n.root, 'gitrepo');
    fs.mkdirSync(repoDir);
    const loaded = await chunksLoaded(n, ['tick', '--now', '--repo-dir', repoDir]);
    expect(loaded.length, loaded.join(', ')).toBeLessThanOrEqual(3);
    expect(loaded.every((file) => /^(state|tick)-/.test(file)), loaded.join(', ')).toBe(true);
  });

  it('an observer command does not load the beat or the state command to get at a helper they share', async () => {
    const n = node();
    const presence = path.join(n.root, 'presence');
    fs.mkdirSync(path.join(presence, 'it', 'presence', 'all'), { recursive: true });
    const loaded = await chunksLoaded(n, ['nodes', '--presence', presence, '--json']);
    expect(loaded.some((file) => file.startsWith('nodes-')), loaded.join(', ')).toBe(true);
    expect(loaded.filter((file) => /^(state|tick)-[\w-]{8}\.cjs$/.test(file)), loaded.join(', ')).toEqual([]);
  });
});
