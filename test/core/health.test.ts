import { describe, expect, it } from 'vitest';
import { classifyHealth, type HealthRules } from '../../src/core/health';
import { buildLifecycle, settingUpStates } from '../../src/core/lifecycle';

const rules: HealthRules = { zombieAfterMinutes: 30, staleAfterBeats: 3, beatEveryMinutes: 1 };
const now = new Date('2015-10-08T21:13:30Z');
const minutesAgo = (m: number): Date => new Date(Date.UTC(2015, 9, 8, 21, 13 - m));
const fresh = minutesAgo(0);

describe('classifyHealth', () => {
  it('calls a beating node stuck when its drain or decommission failed, or it has drained past grid.stuckDrainingMinutes; silence wins over stuck', () => {
    const draining = (m: number, note?: string, lastBeat: Date | undefined = fresh) => classifyHealth({ state: 'draining', stateSince: minutesAgo(m), lastBeat, note }, now, { ...rules, stuckDrainingMinutes: 60 });
    expect(draining(5, 'scale-in')).toBe('alive');
    expect(draining(61, 'scale-in')).toBe('stuck');
    expect(draining(1, 'drain failed after 3 s: bin/nodework/common/drain.sh exit 7')).toBe('stuck');
    expect(draining(1, 'drain failed after 3 s', minutesAgo(10))).toBe('stale');
    expect(classifyHealth({ state: 'drained', stateSince: minutesAgo(1), lastBeat: fresh, note: 'decommission failed after 1 s: …' }, now, rules)).toBe('stuck');
    // A drained node waits for its decommission as long as it takes; 0 turns the clock off.
    expect(classifyHealth({ state: 'drained', stateSince: minutesAgo(600), lastBeat: fresh }, now, { ...rules, stuckDrainingMinutes: 60 })).toBe('alive');
    expect(classifyHealth({ state: 'draining', stateSince: minutesAgo(600), lastBeat: fresh }, now, { ...rules, stuckDrainingMinutes: 0 })).toBe('alive');
    expect(classifyHealth({ state: 'running', stateSince: minutesAgo(1), lastBeat: fresh, note: 'drain failed once, fine now' }, now, rules)).toBe('alive');
  });

  it('calls a decommissioned node retired before anything else, even without beats', () => {
    expect(classifyHealth({ state: 'decommissioned' }, now, rules)).toBe('retired');
  });

  it('calls a wedged node wedged even while it beats', () => {
    expect(classifyHealth({ state: 'wedged', stateSince: minutesAgo(1), lastBeat: fresh }, now, rules)).toBe('wedged');
  });

  it('calls a node in setup a zombie only after more than zombieAfterMinutes', () => {
    const at = (m: number) => classifyHealth({ state: 'setup', stateSince: new Date(now.getTime() - m * 60_000), lastBeat: fresh }, now, rules);
    expect(at(30)).toBe('alive');
    expect(at(30.02)).toBe('zombie');
    expect(classifyHealth({ state: 'presetup', stateSince: new Date(now.getTime() - 31 * 60_000), lastBeat: fresh }, now, rules)).toBe('zombie');
  });

  it('calls a node that never reached any state, or sets up with no statetss, a zombie', () => {
    expect(classifyHealth({ lastBeat: fresh }, now, rules)).toBe('zombie');
    expect(classifyHealth({ state: 'setup', lastBeat: fresh }, now, rules)).toBe('zombie');
  });

  it("takes the setting-up states from the lifecycle's settingUp flags, not from the default names", () => {
    const lifecycle = buildLifecycle({ states: { bootstrapping: { settingUp: true }, setup: { settingUp: false } }, edges: [{ from: 'presetup', to: 'bootstrapping' }] }).lifecycle;
    const custom: HealthRules = { ...rules, settingUp: settingUpStates(lifecycle) };
    expect([...settingUpStates(lifecycle)].sort()).toEqual(['bootstrapping', 'presetup']);
    const old = { stateSince: minutesAgo(31), lastBeat: fresh };
    expect(classifyHealth({ state: 'bootstrapping', ...old }, now, custom)).toBe('zombie');
    expect(classifyHealth({ state: 'setup', ...old }, now, custom)).toBe('alive');
    expect(classifyHealth({ state: 'bootstrapping', ...old }, now, rules)).toBe('alive');
    expect([...settingUpStates(buildLifecycle().lifecycle)]).toEqual(['presetup', 'setup']);
  });

  it('does not call a running node a zombie however old its state', () => {
    expect(classifyHealth({ state: 'running', stateSince: minutesAgo(10_000), lastBeat: fresh }, now, rules)).toBe('alive');
  });

  it('calls a node with no beat yet new until its first beat is due, and stale once it was due and never came', () => {
    const at = (m: number, state = 'initdone') => classifyHealth({ state, stateSince: minutesAgo(m) }, now, rules);
    // statetss counts as the first beat: the same grace, three whole beat periods.
    expect(at(0)).toBe('new');
    expect(at(3)).toBe('new');
    expect(at(4)).toBe('stale');
    expect(at(1, 'setup')).toBe('new');
    // Without a statetss nothing proves the node is new; a statetss well ahead of this clock proves nothing either.
    expect(classifyHealth({ state: 'initdone' }, now, rules)).toBe('stale');
    expect(classifyHealth({ state: 'initdone', stateSince: new Date(now.getTime() + 10 * 60_000) }, now, rules)).toBe('stale');
    // Setting up for too long is a zombie whether or not it ever beat.
    expect(at(31, 'setup')).toBe('zombie');
    // Once a beat has been seen, only beats count.
    expect(classifyHealth({ state: 'initdone', stateSince: minutesAgo(0), lastBeat: minutesAgo(5) }, now, rules)).toBe('stale');
  });

  it('keeps a node alive through staleAfterBeats missed minutes and stale after', () => {
    const at = (m: number) => classifyHealth({ state: 'running', stateSince: minutesAgo(100), lastBeat: minutesAgo(m) }, now, rules);
    expect(at(3)).toBe('alive');
    expect(at(4)).toBe('stale');
  });

  it('measures staleness in beat periods of presence.heartbeat.everyMinutes', () => {
    const slow = { ...rules, beatEveryMinutes: 5 };
    const at = (m: number) => classifyHealth({ state: 'running', stateSince: minutesAgo(100), lastBeat: minutesAgo(m) }, now, slow);
    expect(at(15)).toBe('alive');
    expect(at(16)).toBe('stale');
  });

  it('calls a node with a fresh statetss but an old beat stale: liveness only from heartbeats', () => {
    expect(classifyHealth({ state: 'initdone', stateSince: new Date(now.getTime() - 1000), lastBeat: minutesAgo(30) }, now, rules)).toBe('stale');
    // With no beat seen at all, a fresh statetss means a node whose first beat is not due yet.
    expect(classifyHealth({ state: 'initdone', stateSince: new Date(now.getTime() - 1000) }, now, rules)).toBe('new');
  });

  it('prefers zombie over stale when both hold', () => {
    expect(classifyHealth({ state: 'setup', stateSince: minutesAgo(60) }, now, rules)).toBe('zombie');
  });
});
