import { describe, expect, it } from 'vitest';
import { auditFleet, type CloudInstance, type PresenceNode } from '../../src/grid/audit';

const NOW = Date.parse('2015-10-08T20:00:00Z');
const HOUR_AGO = NOW - 3_600_000;
const base = { tagPrefix: 'add:', zombieAfterMs: 30 * 60_000, now: NOW };

const running = (id: string, tags: Record<string, string> = {}, launchTime = HOUR_AGO): CloudInstance => ({ id, state: 'running', launchTime, tags });

describe('auditFleet', () => {
  it('lists one of each problem once and leaves healthy nodes alone', () => {
    const instances: CloudInstance[] = [
      running('i-00000001', { 'add:state': 'running', 'add:deployment': 'fed1' }),
      running('i-00000002', { 'add:state': 'presetup' }),
      { id: 'i-00000003', state: 'terminated', tags: { 'add:state': 'running' } },
      running('i-00000004', { Name: 'hand-made' }),
      running('i-00000005', { 'add:state': 'setup' }),
    ];
    const presence: PresenceNode[] = [
      { id: 'i-00000001', state: 'running', statetss: '20151008-190000' },
      { id: 'i-00000003', state: 'running', statetss: '20151008-190000' },
      { id: 'i-00000005', state: 'initdone', statetss: '20151008-190000' },
      { id: 'i-00000006', state: 'initdone', statetss: '20151008-190000' },
      { id: 'vagrant-box1', state: 'running' },
      { id: 'i-00000007', state: 'decommissioned' },
    ];
    const report = auditFleet({ ...base, instances, presence });
    expect(report.findings.map((f) => [f.kind, f.id])).toEqual([
      ['zombie', 'i-00000002'],
      ['ghost', 'i-00000003'],
      ['ghost', 'i-00000006'],
      ['untracked', 'i-00000004'],
      ['mismatched', 'i-00000005'],
    ]);
    expect(report.counts).toEqual({ zombie: 1, ghost: 2, untracked: 1, mismatched: 1 });
    expect(report.findings[0]!.detail).toBe('running for 60 min and never reported to presence');
    expect(report.findings[4]!.detail).toBe('tag add:state is setup, presence says initdone');
  });

  it("gives a deployment its own zombie deadline, by presence's deployment or else the instance's tag", () => {
    const instances = [running('i-00000001', { 'add:state': 'setup' }), running('i-00000002', { 'add:state': 'setup', 'add:deployment': 'fed1' }), running('i-00000003', { 'add:state': 'setup', 'add:deployment': 'edge' })];
    const presence: PresenceNode[] = [{ id: 'i-00000001', state: 'setup', statetss: '20151008-190000', deployment: 'fed1' }];
    const report = auditFleet({ ...base, instances, presence, zombieAfterMsByDeployment: new Map([['fed1', 90 * 60_000]]) });
    // fed1 may set up for 90 minutes; edge has the grid-wide 30.
    expect(report.findings.filter((f) => f.kind === 'zombie').map((f) => f.id)).toEqual(['i-00000003']);
  });

  it('calls a node stuck in setup past the deadline a zombie, but not one still within it', () => {
    const instances = [running('i-00000001', { 'add:state': 'setup' }), running('i-00000002', { 'add:state': 'setup' })];
    const presence = [
      { id: 'i-00000001', state: 'setup', statetss: '20151008-190000' },
      { id: 'i-00000002', state: 'setup', statetss: '20151008-195000' },
    ];
    const report = auditFleet({ ...base, instances, presence });
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'zombie', id: 'i-00000001', detail: 'stuck in setup for 60 min' })]);
  });

  it("takes the setting-up states from the lifecycle it is given", () => {
    const instances = [running('i-00000001', { 'add:state': 'bootstrapping' }), running('i-00000002', { 'add:state': 'setup' })];
    const presence = [
      { id: 'i-00000001', state: 'bootstrapping', statetss: '20151008-190000' },
      { id: 'i-00000002', state: 'setup', statetss: '20151008-190000' },
    ];
    const report = auditFleet({ ...base, instances, presence, settingUp: new Set(['presetup', 'bootstrapping']) });
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'zombie', id: 'i-00000001', detail: 'stuck in bootstrapping for 60 min' })]);
  });

  it('gives a just-launched instance time to report before calling it a zombie', () => {
    const report = auditFleet({ ...base, instances: [running('i-00000001', { 'add:state': 'presetup' }, NOW - 5 * 60_000)], presence: [] });
    expect(report.findings).toEqual([]);
  });

  it('reads legacy "done" as initdone and ignores presence of other deployments', () => {
    const instances = [running('i-00000001', { 'add:state': 'initdone', 'add:deployment': 'fed1' })];
    const presence = [
      { id: 'i-00000001', state: 'done', deployment: 'fed1' },
      { id: 'i-00000009', state: 'running', deployment: 'fed2' },
    ];
    const report = auditFleet({ ...base, instances, presence, deployment: 'fed1' });
    expect(report.findings).toEqual([]);
    expect(report.presence).toBe(1);
  });
});
