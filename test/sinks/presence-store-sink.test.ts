import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presenceSection } from '../../src/config/sections/presence';
import type { NodeEvent } from '../../src/core/event';
import { presenceSinkDescriptors } from '../../src/sinks/presence-git';
import { createBareRepo, gitSync, useGitDaemon } from '../helpers/git-server';

const server = useGitDaemon<{ root: string }>();

const event = (kind: NodeEvent['kind'], seq: number, extra: Partial<NodeEvent> = {}): NodeEvent => ({
  id: `i-1-${seq}`,
  seq,
  kind,
  node: { id: 'i-1', deployment: 'fed1', nodepart: 'db1' },
  from: 'none',
  state: 'setup',
  time: '2015-10-08T21:13:05.000Z',
  statetss: '20151008-211305',
  statelog: '',
  severity: 'chatty',
  color: 'yellow',
  ...extra,
});

describe('the presence sink over the git store', () => {
  it('writes the leading changes of one branch, reports them as delivered, and names refused values once', async () => {
    const { root } = server.track({ root: fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-store-sink-')) });
    const bare = createBareRepo(server.repos(), 'store-sink.git');
    const config = presenceSection.parse({ remote: server.daemon().url('store-sink.git'), heartbeat: { branch: 'beats' } });
    const [descriptor] = presenceSinkDescriptors(config, root);
    const sink = await descriptor!.load();
    const lines: string[] = [];
    const context = () => ({ deadline: Date.now() + 60_000, signal: new AbortController().signal, log: (line: string) => lines.push(line) });

    // The beat goes to another branch: only the state change is written by this call, and the outbox keeps the beat.
    const events = [event('state', 1, { fields: { hostname: 'AKIAIOSFODNN7EXAMPLE' } }), event('heartbeat', 2)];
    expect(await sink.deliver(events, context())).toEqual({ delivered: 1, failure: undefined });
    const document = gitSync(['--git-dir', bare, 'show', 'main:it/presence/all/i-1.json']);
    expect(JSON.parse(document).value).toMatchObject({ 'instance-id': 'i-1', state: 'setup' });
    expect(document).not.toContain('AKIA');
    expect(gitSync(['--git-dir', bare, 'log', '-1', '--format=%s', 'main']).trim()).toBe('i-1:fed1/db1: none -> setup');
    expect(lines.filter((line) => line.includes('not publishing hostname of event 1'))).toHaveLength(1);

    expect(await sink.deliver(events.slice(1), context())).toMatchObject({ delivered: 1 });
    expect(gitSync(['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'beats']).trim()).toBe('it/presence/flattime/2015/10/08/21/201510082113/all/i-1.json');
    await sink.close?.();
  });

  it('reports a refusing remote as a failure with nothing delivered', async () => {
    const { root } = server.track({ root: fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-store-sink-')) });
    createBareRepo(server.repos(), 'store-refuses.git', { rejectWith: 'frozen today' });
    const [descriptor] = presenceSinkDescriptors(presenceSection.parse({ remote: server.daemon().url('store-refuses.git') }), root);
    const sink = await descriptor!.load();
    const lines: string[] = [];
    const outcome = await sink.deliver([event('state', 1, { fields: { hostname: 'AKIAIOSFODNN7EXAMPLE' } })], { deadline: Date.now() + 60_000, signal: new AbortController().signal, log: (line) => lines.push(line) });
    expect(outcome.delivered).toBe(0);
    expect(outcome.failure).toMatchObject({ permanent: true });
    expect(outcome.failure!.message).toContain('frozen today');
    // Nothing was published, so nothing is said about leaving a value out of it yet.
    expect(lines.some((line) => line.includes('not publishing'))).toBe(false);
  });
});
