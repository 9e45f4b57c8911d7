import { createHash } from 'node:crypto';
import type { PageAction, PageSeverity } from '../../core/incident';
import { VERSION } from '../../core/version';
import type { HttpRequest } from '../http-post';
import { opsgenieBaseUrl, type OpsgenieDestination } from './destination';

/**
 * A page action as Opsgenie's Alert API takes it
 * (https://docs.opsgenie.com/docs/alert-api): a trigger creates an alert whose
 * alias is the incident key, so a repeated trigger of an open alert only
 * raises its count; a resolve closes the alert by that alias. Every field is
 * cut to Opsgenie's documented limit here, because an over-long field is a 422
 * and a refused page would be set aside instead of paging anyone.
 */
export function opsgenieRequest(action: PageAction, destination: OpsgenieDestination): HttpRequest {
  const base = `${opsgenieBaseUrl(destination)}/v2/alerts`;
  const headers = { 'content-type': 'application/json; charset=utf-8', 'user-agent': `nodegrid/${VERSION}`, authorization: `GenieKey ${destination.apiKey}` };
  const alias = opsgenieAlias(action.key);
  if (action.action === 'resolve') {
    // The alias goes in the path, so it is percent-encoded ("nodegrid/i-…/wedged" holds slashes).
    const url = `${base}/${encodeURIComponent(alias)}/close?identifierType=alias`;
    return { url, headers, body: JSON.stringify({ source: SOURCE, note: clip(action.summary, LIMITS.note) }) };
  }
  const alert = {
    message: clip(action.summary, LIMITS.message),
    alias,
    description: clip(describe(action), LIMITS.description),
    priority: PRIORITIES[action.severity],
    source: SOURCE,
    entity: clip(action.node.id, LIMITS.entity),
    tags: [SOURCE, action.node.deployment, action.node.nodepart, action.problem].filter((tag): tag is string => Boolean(tag)).map((tag) => clip(tag, LIMITS.tag)),
    details: clipDetails(action.link ? { ...action.details, link: action.link } : { ...action.details }),
  };
  return { url: base, headers, body: JSON.stringify(alert) };
}

const SOURCE = 'nodegrid';

/** P4 stays unused: nodegrid has no level between a warning and news. */
export const PRIORITIES: Record<PageSeverity, 'P1' | 'P2' | 'P3' | 'P5'> = { critical: 'P1', error: 'P2', warning: 'P3', info: 'P5' };

/** Opsgenie's documented field limits, in characters; details count keys and values together. */
const LIMITS = { message: 130, alias: 512, description: 15_000, entity: 512, tag: 50, details: 8_000, note: 25_000 } as const;

/**
 * Keys are far shorter than 512 characters, but a clipped alias must still be
 * the same for the trigger and its resolve, and differ from other keys with the
 * same start: the start is kept and a hash of the whole key ends it.
 */
export function opsgenieAlias(key: string): string {
  if (key.length <= LIMITS.alias) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${key.slice(0, LIMITS.alias - hash.length - 1)}~${hash}`;
}

/** The summary, then one "name: value" line per detail, then the link: what a responder reads first. */
function describe(action: PageAction): string {
  const lines = Object.entries(action.details).map(([name, value]) => `${name}: ${value}`);
  return [action.summary, ...(lines.length > 0 ? ['', ...lines] : []), ...(action.link ? ['', action.link] : [])].join('\n');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Details in order until their keys and values reach 8000 characters; the one that crosses is cut, the rest left out (the description has them all). */
function clipDetails(details: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let left: number = LIMITS.details;
  for (const [name, value] of Object.entries(details)) {
    const room = left - name.length;
    if (room < 2) break;
    out[name] = clip(value, room);
    left = room - out[name].length;
  }
  return out;
}
