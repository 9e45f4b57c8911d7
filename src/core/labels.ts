/**
 * Free-form labels a node publishes about itself (`env=prod`, `team.acme.io/owner=db`),
 * with the syntax of Kubernetes label keys and values, so selectors read the
 * way `kubectl -l` does and a label never becomes anything but plain text:
 * a key is an optional DNS-subdomain prefix and "/", then a name of up to 63
 * characters from A-Z a-z 0-9 . _ - that begins and ends with a letter or
 * digit; a value is the same, or empty. Pure.
 */
export type Labels = Readonly<Record<string, string>>;

/** A node's labels are a few tags, not a database: a bound keeps every document small. */
export const MAX_LABELS = 64;

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_PREFIX = 253;

export const LABEL_KEY_RULE = 'a name of 1-63 characters from A-Z a-z 0-9 . _ - beginning and ending with a letter or digit, optionally after a DNS prefix and "/" (example.com/tier)';
export const LABEL_VALUE_RULE = 'empty, or 1-63 characters from A-Z a-z 0-9 . _ - beginning and ending with a letter or digit';

/** Why `key` is not a label key, or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > MAX_PREFIX || !prefix.split('.').every((part) => DNS_LABEL.test(part)))) {
    return `the key's prefix ${quote(prefix)} is not a DNS subdomain (lower-case a-z 0-9 - in dot-separated parts, up to 253 characters)`;
  }
  if (!NAME.test(name)) return `the key ${quote(key)} is not ${LABEL_KEY_RULE}`;
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  return value === '' || NAME.test(value) ? undefined : `the value ${quote(value)} is not ${LABEL_VALUE_RULE}`;
}

export function isLabelKey(key: string): boolean {
  return labelKeyProblem(key) === undefined;
}

export function isLabelValue(value: string): boolean {
  return labelValueProblem(value) === undefined;
}

/** One bad line of a labels file: 1-based, with what was wrong. */
export interface LabelLineProblem {
  readonly line: number;
  readonly problem: string;
}

/**
 * `labels.txt`: one `key=value` per line; blank lines and lines starting with
 * "#" are skipped, spaces around key and value are trimmed. Every bad line is
 * reported (not only the first), so one edit fixes them all.
 */
export function parseLabelLines(text: string): { labels: Record<string, string>; problems: LabelLineProblem[] } {
  const labels: Record<string, string> = {};
  const problems: LabelLineProblem[] = [];
  const seen = new Map<string, number>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals < 0) {
      problems.push({ line: i + 1, problem: `${quote(line)} is not key=value` });
      continue;
    }
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem !== undefined) problems.push({ line: i + 1, problem });
    else if (seen.has(key)) problems.push({ line: i + 1, problem: `the key ${quote(key)} is already set on line ${seen.get(key)}` });
    else {
      seen.set(key, i + 1);
      labels[key] = value;
    }
  }
  if (seen.size > MAX_LABELS) problems.push({ line: [...seen.values()][MAX_LABELS]!, problem: `more than ${MAX_LABELS} labels` });
  return { labels, problems };
}

/** Keys sorted, so the same labels are always the same bytes (in events and documents). */
export function sortedLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

function quote(text: string): string {
  const shown = text.length > 70 ? `${text.slice(0, 70)}…` : text;
  return JSON.stringify(shown);
}
