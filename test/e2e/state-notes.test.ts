import { describe, expect, it } from 'vitest';
import type { TestNode } from '../helpers/cli';
import { createBareRepo, useGitDaemon } from '../helpers/git-server';
import { presenceNode, remoteFile } from '../helpers/presence';

const ID = 'i-4e7cb59a';
const DOC = `it/presence/all/${ID}.json`;
const grid = useGitDaemon<TestNode>();

async function ok(n: TestNode, args: string[]): Promise<string> {
  const r = await n.run(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('the reason beside every state', () => {
  it('keeps the note of a change in the document (only when there is one), its history, state, state log and nodes -o wide', async () => {
    const bare = createBareRepo(grid.repos(), 'notes.git');
    const n = grid.track(await presenceNode(grid.daemon().url(bare.split('/').pop()!), ID));
    await ok(n, ['state', 'set', 'setup']);
    expect(remoteFile(bare, 'main', DOC)).not.toContain('"note"');
    await ok(n, ['state', 'set', 'initdone', '--note', 'disk full\nlast line of 10-migrate.sh']);
    expect(remoteFile(bare, 'main', DOC)).toContain('"note": "disk full\\nlast line of 10-migrate.sh"');
    // A beat publishes the same reason as the change did.
    await ok(n, ['presence', 'heartbeat', '--force']);
    expect(await ok(n, ['state'])).toContain('note: disk full');
    const log = JSON.parse(await ok(n, ['state', 'log', '--json'])) as Array<{ state: string; note: string | null }>;
    expect(log.map((row) => [row.state, row.note])).toEqual([
      ['setup', null],
      ['initdone', 'disk full\nlast line of 10-migrate.sh'],
    ]);
    const history = JSON.parse(await ok(n, ['history', ID, '--json'])) as { states: Array<{ state: string; note: string | null }> };
    expect(history.states.find((s) => s.state === 'initdone')?.note).toBe('disk full\nlast line of 10-migrate.sh');
    const wide = await ok(n, ['nodes', '-o', 'wide']);
    expect(wide).toMatch(/^ +ID +HEALTH +STATE +STACKTYPE +FOR +LAST BEAT +HOSTNAME +ADDRESS +LABELS +NOTE$/m);
    expect(wide).toContain('disk full…');
    const plain = await ok(n, ['nodes', '--sort', 'beat', '--no-headers']);
    expect(plain).not.toContain('HEALTH');
    expect(plain.trim().split('\n')).toHaveLength(1);
    // The next change without a note clears it.
    await ok(n, ['state', 'set', 'running']);
    expect(remoteFile(bare, 'main', DOC)).not.toContain('"note"');
  });
});
