import { describe, expect, it } from 'vitest';
import { parseRawCommit } from '../../../src/presence/git/compact-history';
import { compactedCount, compactionMessage, planCompaction, unitTime, type HistoryCommit } from '../../../src/presence/git/compact-plan';

const at = (iso: string): number => Date.parse(iso) / 1000;
let n = 0;
const commit = (iso: string, compacted?: number): HistoryCommit => {
  n++;
  return { sha: `c${n}`, tree: `t${n}`, time: at(iso), compacted };
};
const cutoff = new Date('2026-11-18T10:00:00Z');

describe('planning a compaction', () => {
  it('squashes each UTC day before the cutoff into one unit and keeps every newer commit on its own', () => {
    const history = [
      commit('2026-11-16T00:00:05Z'), commit('2026-11-16T12:00:00Z'), commit('2026-11-16T23:59:59Z'),
      commit('2026-11-17T00:00:00Z'), commit('2026-11-17T08:00:00Z'),
      commit('2026-11-18T09:59:59Z'),
      commit('2026-11-18T10:00:00Z'), commit('2026-11-19T01:00:00Z'),
    ];
    const plan = planCompaction(history, cutoff);
    expect(plan.units.map((u) => u.commits.map((c) => c.sha))).toEqual([
      history.slice(0, 3).map((c) => c.sha), history.slice(3, 5).map((c) => c.sha), [history[5]!.sha], [history[6]!.sha], [history[7]!.sha],
    ]);
    expect(plan.days).toEqual([
      { day: '2026-11-16', commits: 3, beats: 3, compacted: true },
      { day: '2026-11-17', commits: 2, beats: 2, compacted: true },
      { day: '2026-11-18', commits: 1, beats: 1, compacted: false },
    ]);
    expect(plan).toMatchObject({ before: 8, after: 5, recent: 2, changes: true });
  });

  it('has nothing to do when every old day already is one commit', () => {
    const history = [commit('2026-11-15T23:00:00Z', 1440), commit('2026-11-16T23:00:00Z', 1440), commit('2026-11-18T11:00:00Z'), commit('2026-11-18T11:01:00Z')];
    const plan = planCompaction(history, cutoff);
    expect(plan).toMatchObject({ before: 4, after: 4, recent: 2, changes: false });
    expect(plan.days.map((d) => d.beats)).toEqual([1440, 1440]);
  });

  it('compacts a day again when more of it passed the cutoff, counting the commits the earlier compaction stood for', () => {
    const history = [commit('2026-11-17T09:00:00Z', 600), commit('2026-11-17T15:00:00Z'), commit('2026-11-17T16:00:00Z'), commit('2026-11-18T11:00:00Z')];
    const plan = planCompaction(history, cutoff);
    expect(plan.days).toEqual([{ day: '2026-11-17', commits: 3, beats: 602, compacted: true }]);
    expect(compactionMessage('2026-11-17', plan.days[0]!.beats)).toBe('heartbeats of 2026-11-17 (602 commits compacted)');
  });

  it('never folds a newer commit into an old day when a node\'s clock is wrong', () => {
    // Beyond the first commit newer than the cutoff everything stays, even an old-dated commit;
    // and inside the old run a commit dated yesterday joins the day it was pushed in.
    const history = [
      commit('2026-11-16T10:00:00Z'), commit('2026-11-17T10:00:00Z'), commit('2026-11-16T23:00:00Z'), commit('2026-11-17T11:00:00Z'),
      commit('2026-11-18T12:00:00Z'), commit('2026-11-10T00:00:00Z'), commit('2026-11-18T12:01:00Z'),
    ];
    const plan = planCompaction(history, cutoff);
    expect(plan.units.map((u) => [u.day, u.commits.length])).toEqual([['2026-11-16', 1], ['2026-11-17', 3], [undefined, 1], [undefined, 1], [undefined, 1]]);
    // Dated by its latest commit: inside its own day, so the next run sees it there again.
    expect(new Date(unitTime(plan.units[1]!) * 1000).toISOString()).toBe('2026-11-17T11:00:00.000Z');
  });

  it('reads back the counts it writes, and nothing from other subjects', () => {
    expect(compactedCount(compactionMessage('2026-11-17', 1440))).toBe(1440);
    expect(compactionMessage('2026-11-17', 1)).toBe('heartbeats of 2026-11-17 (1 commit compacted)');
    expect(compactedCount('heartbeats of 2026-11-17 (1 commit compacted)')).toBe(1);
    expect(compactedCount('i-4e7cb59a: heartbeat 201510082113')).toBeUndefined();
    expect(compactedCount('heartbeats of yesterday (5 commits compacted)')).toBeUndefined();
  });
});

describe('reading a commit to re-create it', () => {
  it('keeps author, committer, encoding, merge parents and the message bytes, and drops a signature', () => {
    const message = Buffer.from([0x68, 0xe9, 0x0a, 0x0a, 0x62, 0x6f, 0x64, 0x79, 0x0a]);
    const body = Buffer.concat([
      Buffer.from('tree t1\nparent p1\nparent p2\nauthor A <a@x> 1700000000 +0130\ncommitter C <c@x> 1700000001 -0500\nencoding ISO-8859-1\ngpgsig -----BEGIN PGP SIGNATURE-----\n abc\n -----END PGP SIGNATURE-----\n\n'),
      message,
    ]);
    const raw = parseRawCommit(body);
    expect(raw).toMatchObject({ author: 'A <a@x> 1700000000 +0130', committer: 'C <c@x> 1700000001 -0500', encoding: 'ISO-8859-1', otherParents: ['p2'] });
    expect(raw.message.equals(message)).toBe(true);
  });
});
