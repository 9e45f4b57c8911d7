import type { QueueHealth } from '../outbox/status';
import type { MetricFamily, Sample } from './exposition';

/**
 * What this node's textfile says, from plain facts. Pure: `now` is given, so
 * ages are testable without a clock. Only nodegrid_node_info carries the
 * node's identity; the other series join it on the scrape's instance label,
 * which keeps every series here low in cardinality.
 */
export interface NodeFacts {
  readonly identity: { readonly id?: string | undefined; readonly deployment?: string | undefined; readonly nodepart?: string | undefined; readonly stacktype?: string | undefined };
  readonly version: string;
  readonly state: string | undefined;
  /** When the current state was entered (statetss). */
  readonly stateSince: Date | undefined;
  /** Every state the lifecycle knows: one series each, so a flip is a 1 -> 0 and a 0 -> 1, never a vanishing series. */
  readonly knownStates: readonly string[];
  readonly lastTick: { readonly at: Date; readonly seconds: number } | undefined;
  readonly consecutiveFailures: number;
  readonly queues: readonly QueueFacts[];
}

/** What the textfile shows per sink: the outbox's own view, so `nodegrid outbox` and the metrics never disagree. */
export type QueueFacts = Pick<QueueHealth, 'sink' | 'pending' | 'oldest' | 'setAside' | 'failuresTotal' | 'deliveredTotal'>;

const seconds = (ms: number): number => Math.max(0, Math.round(ms) / 1000);

export function nodeMetricFamilies(facts: NodeFacts, now: Date): MetricFamily[] {
  const { identity } = facts;
  const states = facts.state !== undefined && !facts.knownStates.includes(facts.state) ? [...facts.knownStates, facts.state] : facts.knownStates;
  const perSink = (value: (queue: QueueFacts) => number): Sample[] => facts.queues.map((queue) => ({ labels: { sink: queue.sink }, value: value(queue) }));
  return [
    {
      name: 'nodegrid_node_info',
      help: 'Identity of this node (from its nodeinfo folder) and the nodegrid version; always 1.',
      type: 'gauge',
      samples: [
        {
          labels: { id: identity.id ?? '', deployment: identity.deployment ?? '', nodepart: identity.nodepart ?? '', stacktype: identity.stacktype ?? '', version: facts.version },
          value: 1,
        },
      ],
    },
    {
      name: 'nodegrid_node_state',
      help: 'Lifecycle state of this node: 1 for the current state, 0 for every other known state.',
      type: 'gauge',
      samples: states.map((state) => ({ labels: { state }, value: state === facts.state ? 1 : 0 })),
    },
    {
      name: 'nodegrid_state_since_seconds',
      help: 'Seconds the node has been in its current state, as of the last write of this file.',
      type: 'gauge',
      samples: facts.stateSince ? [{ value: seconds(now.getTime() - facts.stateSince.getTime()) }] : [],
    },
    {
      name: 'nodegrid_state_change_timestamp_seconds',
      help: 'Unix time the current state was entered (for time() - x, which keeps counting between writes).',
      type: 'gauge',
      samples: facts.stateSince ? [{ value: facts.stateSince.getTime() / 1000 }] : [],
    },
    {
      name: 'nodegrid_last_tick_timestamp_seconds',
      help: 'Unix time the last heartbeat (nodegrid tick) finished.',
      type: 'gauge',
      samples: facts.lastTick ? [{ value: facts.lastTick.at.getTime() / 1000 }] : [],
    },
    {
      name: 'nodegrid_tick_duration_seconds',
      help: 'How long the last heartbeat took (pull, work, report, delivery), without its jitter sleep.',
      type: 'gauge',
      samples: facts.lastTick ? [{ value: facts.lastTick.seconds }] : [],
    },
    {
      name: 'nodegrid_work_failures_consecutive',
      help: 'Work runs that failed in a row; the node wedges itself at heartbeat.wedgeAfterFailures.',
      type: 'gauge',
      samples: [{ value: facts.consecutiveFailures }],
    },
    {
      name: 'nodegrid_outbox_pending',
      help: 'Events queued for a sink and not yet delivered.',
      type: 'gauge',
      samples: perSink((queue) => queue.pending),
    },
    {
      name: 'nodegrid_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered event of a sink; 0 when nothing is pending. Past outbox.stuckAfterSeconds, tick exits 5.',
      type: 'gauge',
      samples: perSink((queue) => (queue.oldest ? seconds(now.getTime() - queue.oldest.getTime()) : 0)),
    },
    {
      name: 'nodegrid_outbox_set_aside',
      help: 'Events a destination kept refusing, set aside in the outbox failed/ folder until `nodegrid outbox retry` (never for presence sinks).',
      type: 'gauge',
      samples: perSink((queue) => queue.setAside),
    },
    {
      name: 'nodegrid_delivery_failures_total',
      help: 'Failed delivery attempts to a sink since its queue was created.',
      type: 'counter',
      samples: perSink((queue) => queue.failuresTotal),
    },
    {
      name: 'nodegrid_delivered_events_total',
      help: 'Events delivered to a sink since its queue was created.',
      type: 'counter',
      samples: perSink((queue) => queue.deliveredTotal),
    },
  ];
}
