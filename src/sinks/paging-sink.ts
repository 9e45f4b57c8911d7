import type { NodeEvent } from '../core/event';
import { nodeLabel } from '../core/event';
import { clipSummary, incidentKey, type PageAction, type PageSeverity } from '../core/incident';
import { matchesSelector, type LabelSelector } from '../core/label-selector';
import type { IncidentBook, OpenIncidents } from './incident-book';
import type { PagingAdapter } from './paging-adapter';
import type { DeliveryContext, DeliveryOutcome, Sink } from './sink';

/**
 * What a paging destination is sent, decided from events and the incidents
 * it has open (incident-book.ts); the adapter only speaks its service.
 *
 * - From a node (`state` events): entering a critical state (wedged)
 *   opens an incident for it; any later change of that node resolves it
 *   (`state set setup`, decommissioned).
 * - From the monitor (`page` events): what it saw open and close, stale,
 *   zombie, stuck and wedged nodes and a grid-wide mass silence
 *   (monitor/pages.ts). Silences and self-preservation are decided there.
 *
 * A trigger for an incident already open is not sent again, and a resolve
 * goes only where an incident is open, so a node wedged twice, or seen by
 * both itself and the monitor, pages once.
 */
export interface PagingRoute {
  /** Triggers at least this severe (PagerDuty's scale); resolves follow what was opened. */
  readonly minSeverity: PageSeverity;
  readonly deployments?: readonly string[] | undefined;
  readonly nodeparts?: readonly string[] | undefined;
  readonly labels?: LabelSelector | undefined;
  /** Whose word pages: the nodes' own state changes, the monitor's observations, or both. */
  readonly via: 'node' | 'monitor' | 'both';
  /** grid.dashboardUrl: each incident links to its node's panel. */
  readonly dashboardUrl?: string | undefined;
}

const SEVERITY_ORDER: readonly PageSeverity[] = ['info', 'warning', 'error', 'critical'];

/** How urgent each problem is: a node that cannot work or leave wakes someone; a silent one may be the network. */
export function problemSeverity(problem: string): PageSeverity {
  switch (problem) {
    case 'stale':
      return 'error';
    case 'zombie':
      return 'warning';
    case 'test':
      return 'info';
    default:
      return 'critical';
  }
}

/** Problems only the monitor sees; a node's own state change says nothing about them. */
const OBSERVED_PROBLEMS = new Set(['stale', 'zombie', 'stuck', 'mass-silence']);

export function routesTo(route: PagingRoute, event: NodeEvent, severity: PageSeverity): boolean {
  if (SEVERITY_ORDER.indexOf(severity) < SEVERITY_ORDER.indexOf(route.minSeverity)) return false;
  if (route.via === 'node' && event.kind === 'page') return false;
  if (route.via === 'monitor' && event.kind === 'state') return false;
  // The monitor's grid-wide incidents are about no deployment: they go wherever the monitor pages.
  if (event.node.id === 'grid') return true;
  if (route.deployments && !(event.node.deployment !== undefined && route.deployments.includes(event.node.deployment))) return false;
  if (route.nodeparts && !(event.node.nodepart !== undefined && route.nodeparts.includes(event.node.nodepart))) return false;
  if (route.labels && !matchesSelector(event.labels ?? {}, route.labels)) return false;
  return true;
}

/** The actions one event asks of a destination with these incidents open; `open` is updated as if they were sent. */
export function actionsFor(event: NodeEvent, open: OpenIncidents, route: PagingRoute): PageAction[] {
  const actions: PageAction[] = [];
  const link = route.dashboardUrl && event.node.id !== 'grid' ? `${route.dashboardUrl.replace(/\/+$/, '')}/#node/${encodeURIComponent(event.node.id)}` : undefined;
  const action = (kind: PageAction['action'], problem: string, summary: string, details: Record<string, string>): void => {
    const key = incidentKey(event.node.id, problem);
    if (kind === 'trigger') open.set(key, { opened: event.time, summary });
    else open.delete(key);
    actions.push({ action: kind, key, node: event.node, problem, summary: clipSummary(summary), severity: problemSeverity(problem), time: event.time, details, ...(link ? { link } : {}) });
  };
  if (event.kind === 'page' && event.incident) {
    const { incident } = event;
    const key = incidentKey(event.node.id, incident.problem);
    const details = { ...(incident.details ?? {}) };
    if (incident.action === 'resolve') {
      if (open.has(key)) action('resolve', incident.problem, incident.summary, details);
    } else if (!open.has(key) && routesTo(route, event, problemSeverity(incident.problem))) {
      action('trigger', incident.problem, incident.summary, details);
    }
    return actions;
  }
  if (event.kind !== 'state' || event.state === null) return actions;
  const label = nodeLabel(event.node);
  const prefix = incidentKey(event.node.id, '');
  for (const key of [...open.keys()]) {
    const problem = key.slice(prefix.length);
    if (!key.startsWith(prefix) || problem === event.state || OBSERVED_PROBLEMS.has(problem)) continue;
    action('resolve', problem, `${label} is no longer ${problem}: now ${event.state}${event.note ? ` (${event.note})` : ''}`, stateDetails(event));
  }
  if (event.severity === 'critical' && !open.has(incidentKey(event.node.id, event.state)) && routesTo(route, event, problemSeverity(event.state))) {
    action('trigger', event.state, `${label} ${event.state} since ${event.time.slice(11, 16)} UTC${event.note ? `: ${event.note}` : ''}`, stateDetails(event));
  }
  return actions;
}

function stateDetails(event: NodeEvent): Record<string, string> {
  return {
    state: event.state ?? 'none',
    from: event.from ?? 'none',
    since: event.time,
    ...(event.note ? { note: event.note } : {}),
    ...(event.node.stacktype ? { stacktype: event.node.stacktype } : {}),
    ...(event.fields?.hostname ? { hostname: event.fields.hostname } : {}),
  };
}

export interface PagingSinkOptions {
  readonly route: PagingRoute;
  readonly adapter: PagingAdapter;
  readonly book: IncidentBook;
  readonly timeoutMs: number;
}

export class PagingSink implements Sink {
  constructor(private readonly options: PagingSinkOptions) {}

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const { route, adapter, book } = this.options;
    // Every event's actions, decided in order against the book as it will be once the earlier ones are sent.
    const planned = book.read();
    const actions: PageAction[] = [];
    /** After how many actions each event is fully sent. */
    const ends: number[] = [];
    for (const event of events) {
      actions.push(...actionsFor(event, planned, route));
      ends.push(actions.length);
    }
    if (actions.length === 0) return { delivered: events.length };
    const remaining = context.deadline - Date.now();
    if (remaining <= 0) return { delivered: ends.filter((end) => end === 0).length, failure: { message: `${adapter.label}: the delivery time budget ran out` } };
    const result = await adapter.send(actions, { timeoutMs: Math.min(this.options.timeoutMs, remaining), signal: context.signal });
    const sent = actions.slice(0, result.sent);
    if (sent.length > 0) {
      await book.update((open) => {
        for (const a of sent) {
          if (a.action === 'trigger') open.set(a.key, { opened: a.time, summary: a.summary });
          else open.delete(a.key);
        }
      });
    }
    const delivered = ends.filter((end) => end <= result.sent).length;
    return result.failure ? { delivered, failure: result.failure } : { delivered };
  }

  async close(): Promise<void> {
    await this.options.adapter.close?.();
  }
}
