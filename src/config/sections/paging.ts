import * as z from 'zod/mini';
import { parseSelectorText, SELECTOR_FORMS } from '../../core/label-selector';
import { duration } from '../duration';
import { SINK_NAME, uniquelyNamed } from './outbox';

// Opsgenie, email (SMTP) and ntfy are being built (issue 20); each joins this list with its fields.
export const PAGING_TYPES = ['pagerduty'] as const;
export type PagingType = (typeof PAGING_TYPES)[number];
export const PAGE_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;

const NAME_RULE = 'a destination name is 1-64 characters from A-Z a-z 0-9 . _ -';
const httpUrl = z.url({ protocol: /^https?$/ });
const text = z.string().check(z.minLength(1));

/**
 * One pager. The fields every type has come first (routing), then each
 * type's own, checked in superRefine so a missing key names the type that
 * needs it (the chat section does the same).
 */
const destination = z
  .strictObject({
    name: z.string().check(z.regex(SINK_NAME, NAME_RULE)).register(z.globalRegistry, { rules: [NAME_RULE], description: 'Names the destination in `nodegrid outbox` and `sinks test --destination`.' }),
    type: z.enum(PAGING_TYPES).register(z.globalRegistry, { description: 'The service: PagerDuty Events API v2.' }),
    minSeverity: z._default(z.enum(PAGE_SEVERITIES), 'warning').register(z.globalRegistry, {
      description: 'Only incidents at least this severe open here: `critical` (wedged, stuck draining, mass silence), `error` (stale), `warning` (zombie). Resolves follow what was opened.',
    }),
    deployments: z.optional(z.array(text)).register(z.globalRegistry, { description: 'Only nodes of these deployments.' }),
    nodeparts: z.optional(z.array(text)).register(z.globalRegistry, { description: 'Only nodes of these nodeparts.' }),
    labels: z
      .optional(z.string().check(z.refine((value) => parseSelectorText(value).ok, `a label selector: ${SELECTOR_FORMS}`)))
      .register(z.globalRegistry, { rules: [`a label selector: ${SELECTOR_FORMS}`], description: 'Only nodes whose labels match, as `-l` selects (`env=prod,tier!=cache`).' }),
    via: z._default(z.enum(['node', 'monitor', 'both']), 'both').register(z.globalRegistry, {
      description: "Whose word opens incidents: the nodes' own critical state changes (`node`), what the monitor sees (`monitor`: stale, zombie, stuck, wedged, mass silence), or both (one incident either way: they share its key).",
    }),
    timeoutSeconds: z._default(duration('s'), 10).register(z.globalRegistry, { description: 'One request may take this long before it counts as failed and is retried.' }),
    routingKey: z.optional(text).register(z.globalRegistry, { description: '`pagerduty` (required there): the integration key of an Events API v2 integration. Secret.' }),
    url: z.optional(httpUrl).register(z.globalRegistry, { description: "`pagerduty`: another base URL than https://events.pagerduty.com (a proxy)." }),
  })
  .check(
    z.superRefine((value, ctx) => {
      // Each type names what it needs; PagerDuty is the only type so far.
      if (value.routingKey === undefined) {
        ctx.issues.push({ code: 'custom', input: undefined, path: ['routingKey'], message: 'required for type pagerduty: the integration key of an Events API v2 integration' });
      }
    }),
  );

export const pagingSection = z._default(
  z.strictObject({
    destinations: z._default(
      uniquelyNamed(destination),
      [],
    ).register(z.globalRegistry, { description: 'One entry per pager; each has its own outbox queue (`page:<name>`) and its own book of open incidents.' }),
  }),
  { destinations: [] },
);
