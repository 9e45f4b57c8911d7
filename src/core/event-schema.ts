import * as z from 'zod/mini';
import { EVENT_KINDS, type NodeEvent, type NodeIdentity } from './event';
import { isValidDnaName, isValidInstanceId } from './ids';
import { COLORS, SEVERITIES } from './lifecycle';

/**
 * An event as it is read back from disk (an outbox file, the journal): the
 * schema of the NodeEvent value. The interface in event.ts keeps the field
 * documentation; the annotations below make the compiler hold the two to the
 * same shape, so neither can change alone.
 */
const dnaName = z.optional(z.string().check(z.refine(isValidDnaName, 'not a valid name')));

export const nodeIdentitySchema: z.ZodMiniType<NodeIdentity> = z.object({
  id: z.string().check(z.refine(isValidInstanceId, 'not a valid instance id')),
  deployment: dnaName,
  nodepart: dnaName,
  stacktype: dnaName,
  initgitrepo: dnaName,
});

export const nodeEventSchema: z.ZodMiniType<NodeEvent> = z.object({
  id: z.string().check(z.minLength(1)),
  seq: z.int().check(z.minimum(1)),
  kind: z.enum(EVENT_KINDS),
  node: nodeIdentitySchema,
  from: z.nullable(z.string()),
  state: z.nullable(z.string()),
  time: z.string().check(z.refine((text) => !Number.isNaN(Date.parse(text)), 'not a time')),
  statetss: z.nullable(z.string()),
  statelog: z.string(),
  severity: z.enum(SEVERITIES),
  color: z.enum(COLORS),
  note: z.optional(z.string()),
  stateNote: z.optional(z.string()),
  message: z.optional(z.string()),
  fields: z.optional(z.record(z.string(), z.string())),
  labels: z.optional(z.record(z.string(), z.string())),
  incident: z.optional(
    z.object({
      action: z.enum(['trigger', 'resolve']),
      problem: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/)),
      summary: z.string(),
      details: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});
