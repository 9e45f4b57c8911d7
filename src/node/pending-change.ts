import * as z from 'zod/mini';
import { nodeEventSchema } from '../core/event-schema';

/**
 * journal/pending.json: a change past its commit point, rolled forward by the
 * next command that takes the node lock (see record.ts). Read back through
 * this schema, so a damaged file is set aside rather than half-applied.
 */
export const pendingChangeSchema = z.object({
  event: nodeEventSchema,
  /** Size of statelog.txt before this change's entry, or null when the event adds none. */
  statelogSizeBefore: z.nullable(z.int().check(z.minimum(0))),
});

export type PendingChange = z.infer<typeof pendingChangeSchema>;
