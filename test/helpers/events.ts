import type { NodeEvent } from '../../src/core/event';

/**
 * The SPEC's example node (i-4e7cb59a, fed1/db1 of lad1) going setup -> initdone
 * at 2015-10-08 17:48:30 UTC, as an event value; tests override what they vary.
 */
export function specStateEvent(overrides: Partial<NodeEvent> = {}): NodeEvent {
  return {
    id: 'i-4e7cb59a-2-example',
    seq: 2,
    kind: 'state',
    node: { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1', initgitrepo: 'repo2_petulant-cyril' },
    from: 'setup',
    state: 'initdone',
    time: '2015-10-08T17:48:30.000Z',
    statetss: '20151008-174830',
    statelog: 'setup:20151008-174646;initdone:20151008-174830;',
    severity: 'chatty',
    color: 'green',
    ...overrides,
  };
}
