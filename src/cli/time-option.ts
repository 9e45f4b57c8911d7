import { NodegridError } from '../core/errors';
import { describeValue } from '../core/ids';
import { parseTimeSpec, TIME_SPEC_EXAMPLES } from '../core/time-spec';

// Apart from grid-source.ts: `state log --since` takes a time too, and a node's
// state commands should not load the presence readers (and git) to parse one.

/** A time flag's value (--now, --since), read against the clock; bad input names the flag and the forms it takes. */
export function parseTimeOption(flag: string, text: string, now = new Date()): Date {
  const date = parseTimeSpec(text, { now, minute: 'start' });
  if (!date) throw new NodegridError('E_BAD_INPUT', `${flag} ${describeValue(text)} is not a time: use ${TIME_SPEC_EXAMPLES}`);
  return date;
}

export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  return parseTimeOption('--now', text);
}
