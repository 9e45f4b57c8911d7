import * as z from 'zod/mini';
import { duration } from '../duration';

export const gridSection = z._default(
  z.strictObject({
    zombieAfterMinutes: z._default(duration('m'), 30),
    staleAfterBeats: z._default(z.number().check(z.int(), z.minimum(1)), 3),
    /** Monitor self-preservation: more than this share of alive nodes silent at once is an observer fault. */
    massSilenceRatio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.25),
  }),
  { zombieAfterMinutes: 30, staleAfterBeats: 3, massSilenceRatio: 0.25 },
);
