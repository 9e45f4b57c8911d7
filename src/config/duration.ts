import * as z from 'zod/mini';
import { parseDuration } from '../core/time';

/** Which schemas are durations, and in which unit: read by the configuration reference (config/reference.ts). */
export const DURATION_UNITS = new WeakMap<object, 's' | 'm'>();

/**
 * A duration setting, written as a number in the key's own unit
 * (`workTimeoutSeconds: 600`) or with a unit (`90s`, `3m`, `1h`) so a demo or a
 * test can compress time with configuration alone. Parsed to the key's unit.
 */
export function duration(unit: 's' | 'm', bounds: { min?: number; max?: number } = {}) {
  const perUnit = unit === 's' ? 1000 : 60_000;
  const schema = z.pipe(
    z.union([z.number(), z.string()]),
    z.transform((raw: number | string, ctx) => {
      const ms = parseDuration(raw, unit);
      if (ms === undefined) {
        ctx.issues.push({ code: 'custom', input: raw, message: 'expected a duration such as 90, "90s", "3m" or "1h"' });
        return z.NEVER;
      }
      const value = ms / perUnit;
      if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max)) {
        ctx.issues.push({ code: 'custom', input: raw, message: `expected a duration between ${describeBound(bounds.min, unit)} and ${describeBound(bounds.max, unit)}` });
        return z.NEVER;
      }
      return value;
    }),
  );
  DURATION_UNITS.set(schema, unit);
  return schema;
}


function describeBound(value: number | undefined, unit: 's' | 'm'): string {
  if (value === undefined) return 'any';
  const seconds = unit === 's' ? value : value * 60;
  return seconds < 60 || unit === 's' ? `${Math.round(seconds)}s` : `${Math.round(value)}m`;
}
