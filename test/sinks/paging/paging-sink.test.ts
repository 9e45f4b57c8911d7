import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../src/core/event';
import type { OpenIncidents } from '../../../src/sinks/incident-book';
import { actionsFor, type PagingRoute } from '../../../src/sinks/paging-sink';
import { specStateEvent } from '../../helpers/events';

const route: PagingRoute = { minSeverity: 'warning', via: 'both' };
const wedge = (overrides: Partial<NodeEvent> = {}) => specStateEvent({ from: 'initdone', state: 'wedged', severity: 'critical', color: 'red', note: 'work failed 2 times', time: '2015-10-08T18:41:00.000Z', ...overrides });
const page = (action: 'trigger' | 'resolve', problem: string, overrides: Partial<NodeEvent> = {}) =>
  specStateEvent({ kind: 'page', from: null, state: null, severity: action === 'trigger' ? 'critical' : 'chatty', incident: { action, problem, summary: `${action} ${problem}` }, ...overrides });
const said = (event: NodeEvent, open: OpenIncidents, r: PagingRoute = route) => actionsFor(event, open, r).map((a) => `${a.action} ${a.key}`);

describe('what a paging destination is sent', () => {
  it("opens an incident when a node enters a critical state, once, and resolves it with the node's next change", () => {
    const open: OpenIncidents = new Map();
    const [trigger] = actionsFor(wedge(), open, { ...route, dashboardUrl: 'https://grid.example.com/' });
    expect(trigger).toMatchObject({ action: 'trigger', key: 'nodegrid/i-4e7cb59a/wedged', severity: 'critical', summary: 'i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: work failed 2 times', link: 'https://grid.example.com/#node/i-4e7cb59a' });
    expect(said(wedge(), open)).toEqual([]);
    expect(said(specStateEvent({ from: 'wedged', state: 'setup' }), open)).toEqual(['resolve nodegrid/i-4e7cb59a/wedged']);
    expect(said(specStateEvent({ from: 'setup', state: 'initdone' }), open)).toEqual([]);
    expect(open.size).toBe(0);
  });

  it("leaves what only the monitor sees to the monitor, and resolves only what is open", () => {
    const open: OpenIncidents = new Map([['nodegrid/i-4e7cb59a/stale', { opened: 'x', summary: 'stale' }]]);
    expect(said(specStateEvent({ from: 'initdone', state: 'running' }), open)).toEqual([]);
    expect(said(page('resolve', 'zombie'), open)).toEqual([]);
    expect(said(page('resolve', 'stale'), open)).toEqual(['resolve nodegrid/i-4e7cb59a/stale']);
    expect(said(page('trigger', 'stale'), open)).toEqual(['trigger nodegrid/i-4e7cb59a/stale']);
    expect(said(page('trigger', 'stale'), open)).toEqual([]);
  });

  it('routes by whose word it is, severity, deployment, nodepart and labels', () => {
    expect(said(wedge(), new Map(), { ...route, via: 'monitor' })).toEqual([]);
    expect(said(page('trigger', 'wedged'), new Map(), { ...route, via: 'node' })).toEqual([]);
    expect(said(page('trigger', 'zombie'), new Map(), { ...route, minSeverity: 'error' })).toEqual([]);
    expect(said(page('trigger', 'stale'), new Map(), { ...route, minSeverity: 'error' })).toEqual(['trigger nodegrid/i-4e7cb59a/stale']);
    expect(said(wedge(), new Map(), { ...route, deployments: ['fed2'] })).toEqual([]);
    expect(said(wedge(), new Map(), { ...route, nodeparts: ['db1'] })).toEqual(['trigger nodegrid/i-4e7cb59a/wedged']);
    const prod: PagingRoute = { ...route, labels: [{ op: 'equals', key: 'env', value: 'prod' }] };
    expect(said(wedge(), new Map(), prod)).toEqual([]);
    expect(said(wedge({ labels: { env: 'prod' } }), new Map(), prod)).toEqual(['trigger nodegrid/i-4e7cb59a/wedged']);
    // The monitor's grid-wide incident belongs to no deployment: it goes wherever the monitor pages.
    expect(said(page('trigger', 'mass-silence', { node: { id: 'grid', deployment: 'all', nodepart: 'monitor' } }), new Map(), { ...route, deployments: ['fed1'] })).toEqual(['trigger nodegrid/grid/mass-silence']);
  });
});
