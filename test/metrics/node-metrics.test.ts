import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../../src/core/lifecycle';
import { formatExposition } from '../../src/metrics/exposition';
import { nodeMetricFamilies, type NodeFacts } from '../../src/metrics/node-metrics';
import { checkMetrics } from '../helpers/promtool';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

const NOW = new Date('2015-10-08T21:13:30Z');
const base: NodeFacts = {
  identity: { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1' },
  version: '1.2.3',
  state: 'initdone',
  stateSince: new Date('2015-10-08T21:03:30Z'),
  knownStates: [...DEFAULT_LIFECYCLE.states.keys()],
  lastTick: { at: new Date('2015-10-08T21:13:00Z'), seconds: 0.842 },
  consecutiveFailures: 2,
  queues: [
    { sink: 'chat:ops', pending: 3, oldest: new Date('2015-10-08T21:01:30Z'), failuresTotal: 7, deliveredTotal: 40, setAside: 1 },
    { sink: 'presence', pending: 0, oldest: undefined, failuresTotal: 0, deliveredTotal: 12, setAside: 0 },
  ],
};

const lines = (facts: NodeFacts): string[] => formatExposition(nodeMetricFamilies(facts, NOW)).split('\n');

describe.runIf(withPrometheus)('node metrics', () => {
  it('says who the node is, its state among every known state, ages in seconds and the outbox per sink', () => {
    const text = formatExposition(nodeMetricFamilies(base, NOW));
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(samples).toEqual([
      'nodegrid_node_info{id="i-4e7cb59a",deployment="fed1",nodepart="db1",stacktype="lad1",version="1.2.3"} 1',
      'nodegrid_node_state{state="presetup"} 0',
      'nodegrid_node_state{state="setup"} 0',
      'nodegrid_node_state{state="initdone"} 1',
      'nodegrid_node_state{state="running"} 0',
      'nodegrid_node_state{state="draining"} 0',
      'nodegrid_node_state{state="drained"} 0',
      'nodegrid_node_state{state="wedged"} 0',
      'nodegrid_node_state{state="decommissioned"} 0',
      'nodegrid_state_since_seconds 600',
      'nodegrid_state_change_timestamp_seconds 1444338210',
      'nodegrid_last_tick_timestamp_seconds 1444338780',
      'nodegrid_tick_duration_seconds 0.842',
      'nodegrid_work_failures_consecutive 2',
      'nodegrid_outbox_pending{sink="chat:ops"} 3',
      'nodegrid_outbox_pending{sink="presence"} 0',
      'nodegrid_outbox_oldest_age_seconds{sink="chat:ops"} 720',
      'nodegrid_outbox_oldest_age_seconds{sink="presence"} 0',
      'nodegrid_outbox_set_aside{sink="chat:ops"} 1',
      'nodegrid_outbox_set_aside{sink="presence"} 0',
      'nodegrid_delivery_failures_total{sink="chat:ops"} 7',
      'nodegrid_delivery_failures_total{sink="presence"} 0',
      'nodegrid_delivered_events_total{sink="chat:ops"} 40',
      'nodegrid_delivered_events_total{sink="presence"} 12',
    ]);
  });

  it('adds a series for a state the lifecycle does not know, and leaves out what a fresh node cannot know yet', () => {
    const fresh = lines({ ...base, identity: { id: 'i-1' }, state: 'legacy-state', stateSince: undefined, lastTick: undefined, queues: [] });
    expect(fresh).toContain('nodegrid_node_info{id="i-1",deployment="",nodepart="",stacktype="",version="1.2.3"} 1');
    expect(fresh).toContain('nodegrid_node_state{state="legacy-state"} 1');
    expect(fresh.filter((line) => line.startsWith('nodegrid_node_state{') && line.endsWith(' 1'))).toHaveLength(1);
    expect(fresh.join('\n')).not.toMatch(/nodegrid_(state_since|last_tick|tick_duration|outbox_pending)/);
    expect(checkMetrics(fresh.join('\n')).code).toBe(0);

    const stateless = lines({ ...base, state: undefined });
    expect(stateless.filter((line) => line.startsWith('nodegrid_node_state{') && line.endsWith(' 1'))).toEqual([]);
  });
});
