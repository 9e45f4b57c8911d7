import type { PageAction } from '../../core/incident';
import { VERSION } from '../../core/version';
import type { HttpRequest } from '../http-post';
import type { PagingAdapter } from '../paging-adapter';
import { postEachAction } from '../post-each';

/**
 * PagerDuty's Events API v2: one `POST /v2/enqueue` per action, `dedup_key`
 * the incident's key so the resolve closes what the trigger opened. 202 is
 * taken; 400 means the event or the routing key is wrong (a config error,
 * given up after a few tries); 429 is waited out (PagerDuty rate-limits per
 * routing key and asks clients to back off).
 */
export interface PagerDutyDestination {
  readonly name: string;
  /** The integration key of an "Events API v2" integration on a PagerDuty service (32 characters). Secret. */
  readonly routingKey: string;
  /** Default https://events.pagerduty.com; another base URL for a proxy (or a test server). */
  readonly url?: string | undefined;
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com';

export function pagerDutySecrets(destination: PagerDutyDestination): string[] {
  return [destination.routingKey];
}

export function createPagerDutyAdapter(destination: PagerDutyDestination, secrets: readonly string[] = []): PagingAdapter {
  const base = (destination.url ?? PAGERDUTY_EVENTS_URL).replace(/\/+$/, '');
  const label = `pagerduty:${destination.name} (${new URL(base).origin})`;
  const known = [...pagerDutySecrets(destination), ...secrets];
  // 400 is PagerDuty's answer to a wrong routing key as to a malformed event: both are the config's to fix.
  const refusals = { 400: `PagerDuty refused the event; check paging.destinations ${destination.name}'s routingKey (an Events API v2 integration key)` };
  return {
    label,
    send: (actions, options) => postEachAction(actions, options, { label, secrets: known, refusals, request: (action) => enqueueRequest(base, destination.routingKey, action) }),
  };
}

/** The Events API v2 body for one action, as PagerDuty documents it. */
export function enqueueBody(routingKey: string, action: PageAction): Record<string, unknown> {
  if (action.action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: action.key };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: action.key,
    client: 'nodegrid',
    ...(action.link ? { client_url: action.link, links: [{ href: action.link, text: `${action.node.id} on the nodegrid dashboard` }] } : {}),
    payload: {
      summary: action.summary,
      source: action.node.id,
      severity: action.severity,
      timestamp: action.time,
      ...(action.node.nodepart ? { component: action.node.nodepart } : {}),
      ...(action.node.deployment ? { group: action.node.deployment } : {}),
      class: action.problem,
      custom_details: action.details,
    },
  };
}

function enqueueRequest(base: string, routingKey: string, action: PageAction): HttpRequest {
  return {
    url: `${base}/v2/enqueue`,
    headers: { 'content-type': 'application/json', 'user-agent': `nodegrid/${VERSION}` },
    body: JSON.stringify(enqueueBody(routingKey, action)),
  };
}
