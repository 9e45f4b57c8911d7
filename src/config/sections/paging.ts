import * as z from 'zod/mini';
import { parseSelectorText, SELECTOR_FORMS } from '../../core/label-selector';
import { duration } from '../duration';
import { SINK_NAME, uniquelyNamed } from './outbox';

export const PAGING_TYPES = ['pagerduty', 'opsgenie', 'email', 'ntfy'] as const;
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
    type: z.enum(PAGING_TYPES).register(z.globalRegistry, { description: 'The service: PagerDuty Events API v2, Opsgenie Alert API, email over SMTP, or ntfy.' }),
    minSeverity: z._default(z.enum(PAGE_SEVERITIES), 'warning').register(z.globalRegistry, {
      description: 'Only incidents at least this severe open here: `critical` (wedged, stuck draining, mass silence), `error` (stale), `warning` (zombie). Resolves follow what was opened.',
    }),
    deployments: z.optional(z.array(text)).register(z.globalRegistry, { description: 'Only nodes of these deployments.' }),
    nodeparts: z.optional(z.array(text)).register(z.globalRegistry, { description: 'Only nodes of these nodeparts.' }),
    labels: z
      .optional(z.string().check(z.refine((value) => parseSelectorText(value).ok, `a label selector: ${SELECTOR_FORMS}`)))
      .register(z.globalRegistry, { rules: [`a label selector: ${SELECTOR_FORMS}`], description: 'Only nodes whose labels match, as `-l` selects (`env=prod,tier!=cache`).' }),
    via: z._default(z.enum(['node', 'monitor', 'both']), 'both').register(z.globalRegistry, {
      description: "Whose word opens incidents: the nodes' own critical state changes (`node`), what the monitor sees (`monitor`: stale, zombie, stuck, wedged, mass silence), or both. PagerDuty and Opsgenie fold the two into one incident (they share its key); email and ntfy would say it twice when the monitor and the nodes share this config, so give those one `via`.",
    }),
    timeoutSeconds: z._default(duration('s'), 10).register(z.globalRegistry, { description: 'One request (or SMTP stage) may take this long before it counts as failed and is retried.' }),
    routingKey: z.optional(text).register(z.globalRegistry, { description: '`pagerduty` (required there): the integration key of an Events API v2 integration. Secret.' }),
    apiKey: z.optional(text).register(z.globalRegistry, { description: '`opsgenie` (required there): an API integration key (sent as `GenieKey`). Secret.' }),
    region: z._default(z.enum(['us', 'eu']), 'us').register(z.globalRegistry, { description: '`opsgenie`: `eu` for an account on api.eu.opsgenie.com.' }),
    url: z.optional(httpUrl).register(z.globalRegistry, { description: '`pagerduty`, `opsgenie`: another base URL than the service\'s own (a proxy).' }),
    server: z.optional(httpUrl).register(z.globalRegistry, { description: '`ntfy`: the server (default https://ntfy.sh).' }),
    topic: z.optional(z.string().check(z.regex(/^[-_A-Za-z0-9]{1,64}$/, 'a topic is 1-64 characters from A-Z a-z 0-9 _ -'))).register(z.globalRegistry, {
      rules: ['a topic is 1-64 characters from A-Z a-z 0-9 _ -'],
      description: '`ntfy` (required there): the topic to publish to. Secret: on an open server whoever knows it reads the pages.',
    }),
    token: z.optional(text).register(z.globalRegistry, { description: '`ntfy`: an access token (sent as Bearer). Secret.' }),
    user: z.optional(text).register(z.globalRegistry, { description: '`ntfy`, `email`: the user to log in as.' }),
    password: z.optional(text).register(z.globalRegistry, { description: '`ntfy`, `email`: the password of `user`. Secret.' }),
    host: z.optional(text).register(z.globalRegistry, { description: '`email` (required there): the SMTP server.' }),
    port: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(65535))).register(z.globalRegistry, { description: '`email`: the SMTP port (default 587; 465 with `tls: implicit`).' }),
    tls: z._default(z.enum(['starttls', 'implicit', 'none']), 'starttls').register(z.globalRegistry, {
      description: '`email`: `starttls` (required: a server without it is refused, never written to in plain text), `implicit` (TLS from the first byte, port 465), `none` (a relay on localhost). Certificates are always verified.',
    }),
    caFile: z.optional(text).register(z.globalRegistry, { description: "`email`: a PEM file of the CA that signed a private SMTP server's certificate (default: the system's CAs)." }),
    from: z.optional(text).register(z.globalRegistry, { description: '`email` (required there): the sender, `nodegrid <pager@example.com>` or a bare address.' }),
    to: z.optional(z.array(text).check(z.minLength(1))).register(z.globalRegistry, { description: '`email` (required there): who is paged.' }),
  })
  .check(
    z.superRefine((value, ctx) => {
      const need = (key: 'routingKey' | 'apiKey' | 'topic' | 'host' | 'from' | 'to', why: string): void => {
        if (value[key] === undefined) ctx.issues.push({ code: 'custom', input: undefined, path: [key], message: `required for type ${value.type}: ${why}` });
      };
      if (value.type === 'pagerduty') need('routingKey', 'the integration key of an Events API v2 integration');
      if (value.type === 'opsgenie') need('apiKey', 'an Opsgenie API integration key');
      if (value.type === 'ntfy') need('topic', 'the topic to publish to');
      if (value.type === 'email') {
        need('host', 'the SMTP server');
        need('from', 'the sender address');
        need('to', 'who is paged');
      }
      if (value.password !== undefined && value.user === undefined) ctx.issues.push({ code: 'custom', input: undefined, path: ['user'], message: 'a password goes with a user' });
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
