import type { NodeEvent } from '../../../src/core/event';

let counter = 0;

/** A state event as the node records it; fields overridable. */
export function stateEvent(from: string | null, state: string, overrides: Partial<NodeEvent> = {}): NodeEvent {
  counter++;
  const critical = state === 'wedged';
  return {
    id: `evt-${counter}`,
    seq: counter,
    kind: 'state',
    node: { id: 'i-5e7ab38a', deployment: 'fed1', nodepart: 'app1', stacktype: 'lad1' },
    from,
    state,
    time: new Date(Date.UTC(2015, 9, 8, 17, 48, counter % 60)).toISOString(),
    statetss: '20151008-174830',
    statelog: `${state}:20151008-174830;`,
    severity: critical ? 'critical' : 'chatty',
    color: critical ? 'red' : state === 'initdone' || state === 'running' ? 'green' : 'yellow',
    ...overrides,
  };
}

export const HOSTILE = '<!channel> @everyone <img src=x onerror=alert(1)> [click](http://evil.EXAMPLE) **bold** {{DATE(2017-02-14T06:00:00Z)}} @all';
