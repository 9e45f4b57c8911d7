import * as z from 'zod/mini';
import { COLORS, SEVERITIES } from '../../core/lifecycle';

const edge = z.union([
  z.pipe(
    z.tuple([z.string(), z.string()]),
    z.transform(([from, to]: [string, string]) => ({ from, to })),
  ),
  z.strictObject({
    from: z.string().register(z.globalRegistry, { description: 'The state the edge leaves.' }),
    to: z.string().register(z.globalRegistry, { description: 'The state the edge enters.' }),
  }),
]);

export const lifecycleSection = z._default(
  z.strictObject({
    states: z.optional(
      z.record(
        z.string(),
        z.strictObject({
          severity: z.optional(z.enum(SEVERITIES)).register(z.globalRegistry, {
            description: 'How loudly entering the state is announced (`critical` is routed to the critical rooms).',
          }),
          color: z.optional(z.enum(COLORS)).register(z.globalRegistry, { description: 'Colour of the state in chat and the dashboard.' }),
          live: z.optional(z.boolean()).register(z.globalRegistry, {
            description: 'Whether the node is still working in this state: live states may go to `wedged` (default true for new states).',
          }),
          settingUp: z.optional(z.boolean()).register(z.globalRegistry, {
            description: 'Whether a node in this state is still setting up: past `grid.zombieAfterMinutes` there it is a zombie (default true for `presetup` and `setup` only).',
          }),
        }),
      ),
    ).register(z.globalRegistry, { description: 'States to add, or existing states to change, by name.' }),
    edges: z.optional(z.array(edge)).register(z.globalRegistry, { description: 'Extra edges, as `[from, to]` or `{from, to}`.' }),
    initial: z.optional(z.array(z.string())).register(z.globalRegistry, {
      description: 'States a node with no state yet may enter (default: `presetup`, `setup`).',
    }),
  }),
  {},
);
