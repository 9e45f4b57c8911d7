import { describe, expect, it } from 'vitest';
import { allowedNext, buildLifecycle, DEFAULT_LIFECYCLE, decideTransition, normalizeState, stateDefinition } from '../../src/core/lifecycle';
import { NodegridError } from '../../src/core/errors';

describe('the default lifecycle', () => {
  it('follows presetup -> setup -> initdone -> running <-> draining -> drained -> decommissioned', () => {
    const path = ['presetup', 'setup', 'initdone', 'running', 'draining', 'running', 'draining', 'drained', 'decommissioned'];
    let from: string | undefined;
    for (const to of path) {
      expect(decideTransition(DEFAULT_LIFECYCLE, from, to, false)).toEqual({ kind: 'change' });
      from = to;
    }
  });

  it('lets every live state go to wedged, and wedged only to setup or decommissioned', () => {
    for (const live of ['presetup', 'setup', 'initdone', 'running', 'draining', 'drained']) {
      expect(allowedNext(DEFAULT_LIFECYCLE, live)).toContain('wedged');
    }
    expect(allowedNext(DEFAULT_LIFECYCLE, 'wedged').sort()).toEqual(['decommissioned', 'setup']);
    expect(allowedNext(DEFAULT_LIFECYCLE, 'decommissioned')).toEqual([]);
  });

  it('allows a node with no state to enter presetup or setup only', () => {
    expect(decideTransition(DEFAULT_LIFECYCLE, undefined, 'setup', false).kind).toBe('change');
    expect(() => decideTransition(DEFAULT_LIFECYCLE, undefined, 'running', false)).toThrow('cannot go to running: no state yet; allowed next: presetup, setup');
  });

  it('refuses setup -> presetup with E_ILLEGAL_TRANSITION naming the current and allowed states', () => {
    try {
      decideTransition(DEFAULT_LIFECYCLE, 'setup', 'presetup', false);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NodegridError);
      expect((error as NodegridError).code).toBe('E_ILLEGAL_TRANSITION');
      expect((error as NodegridError).exitCode).toBe(2);
      expect((error as Error).message).toBe('cannot go to presetup: the current state is setup; allowed next: initdone, wedged');
    }
  });

  it('says a repeated state is a no-op unless forced, and lets --force take any known state', () => {
    expect(decideTransition(DEFAULT_LIFECYCLE, 'running', 'running', false).kind).toBe('noop');
    expect(decideTransition(DEFAULT_LIFECYCLE, 'running', 'running', true).kind).toBe('change');
    expect(decideTransition(DEFAULT_LIFECYCLE, 'decommissioned', 'setup', true).kind).toBe('change');
    expect(() => decideTransition(DEFAULT_LIFECYCLE, 'running', 'exploded', true)).toThrow('unknown state "exploded"');
  });

  it('reads the legacy state "done" as initdone', () => {
    expect(normalizeState('done\n')).toBe('initdone');
  });

  it('reads Object.prototype member names as the plain states they spell, never as what the prototype holds', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(normalizeState(`${name}\n`)).toBe(name);
      expect(stateDefinition(DEFAULT_LIFECYCLE, name)).toEqual({ name, severity: 'chatty', color: 'gray', live: false, settingUp: false });
      expect(allowedNext(DEFAULT_LIFECYCLE, name)).toEqual([]);
      expect(() => decideTransition(DEFAULT_LIFECYCLE, 'setup', name, true)).toThrow(`unknown state "${name}"`);
    }
  });

  it('gives wedged critical severity and red, and initdone green', () => {
    expect(DEFAULT_LIFECYCLE.states.get('wedged')).toMatchObject({ severity: 'critical', color: 'red' });
    expect(DEFAULT_LIFECYCLE.states.get('initdone')).toMatchObject({ severity: 'chatty', color: 'green' });
    expect(DEFAULT_LIFECYCLE.states.get('decommissioned')).toMatchObject({ color: 'gray' });
  });
});

describe('buildLifecycle from config', () => {
  it('adds states and edges and reports unknown states in edges with their key path', () => {
    const { lifecycle, problems } = buildLifecycle({ states: { canary: { severity: 'chatty' } }, edges: [{ from: 'initdone', to: 'canary' }, { from: 'canary', to: 'nowhere' }] });
    expect(allowedNext(lifecycle, 'initdone')).toContain('canary');
    expect(allowedNext(lifecycle, 'canary')).toContain('wedged');
    expect(problems).toEqual(['lifecycle.edges[1]: unknown state "nowhere" (known: presetup, setup, initdone, running, draining, drained, wedged, decommissioned, canary)']);
  });

  it('lets a project name a state "constructor" but not "done", the legacy alias', () => {
    const { lifecycle, problems } = buildLifecycle({ states: { constructor: { color: 'purple' as const }, done: {} }, edges: [{ from: 'running', to: 'constructor' }] });
    expect(lifecycle.states.get('constructor')).toMatchObject({ color: 'purple' });
    expect(allowedNext(lifecycle, 'running')).toContain('constructor');
    expect(problems).toEqual(['lifecycle.states.done: a state name is 1-32 characters from A-Z a-z 0-9 _ - (and not a legacy alias)']);
  });
});
