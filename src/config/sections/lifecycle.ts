import * as z from 'zod/mini';
import { COLORS, SEVERITIES } from '../../core/lifecycle';

const edge = z.union([
  z.pipe(
    z.tuple([z.string(), z.string()]),
    z.transform(([from, to]: [string, string]) => ({ from, to })),
  ),
  z.strictObject({ from: z.string(), to: z.string() }),
]);

export const lifecycleSection = z._default(
  z.strictObject({
    /** Add states or change the severity/colour of existing ones. */
    states: z.optional(
      z.record(
        z.string(),
        z.strictObject({
          severity: z.optional(z.enum(SEVERITIES)),
          color: z.optional(z.enum(COLORS)),
          live: z.optional(z.boolean()),
        }),
      ),
    ),
    /** Extra edges, as [from, to] or {from, to}. */
    edges: z.optional(z.array(edge)),
    /** States a node with no state yet may enter (default: presetup, setup). */
    initial: z.optional(z.array(z.string())),
  }),
  {},
);
