import type * as z from 'zod/mini';

/**
 * JSON read back from disk or from another node is data, not a promise about
 * its shape: it goes through a schema before any field is used, and a text
 * that fails says why in words fit for a message that names the file. Pure.
 */
export type ParsedJson<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * `accept`, for formats read by the thousand: a hand-written check of the
 * common, valid shape that returns the data as is. What it does not accept
 * goes to the schema, which decides and words the problem.
 */
export function parseJsonWith<T>(schema: z.ZodMiniType<T>, text: string, accept?: (data: unknown) => T | undefined): ParsedJson<T> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message.slice(0, 120)})` };
  }
  const accepted = accept?.(data);
  if (accepted !== undefined) return { ok: true, value: accepted };
  // The input is reported only to tell "missing" from "a number": values are never shown.
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problem: describeIssues(result.error.issues) };
}

/**
 * `"value"."instance-id": expected string`: the first few issues, with their
 * key paths. Values are never echoed (they may be secrets or markup), and
 * hostile key names are cut short.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${keyPath(issue.path)}${issueText(issue)}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `does not match its format: ${shown.join('; ')}${more}`;
}

function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  return `${path.map((part) => (typeof part === 'number' ? `[${part}]` : JSON.stringify(String(part).slice(0, 40)))).join('.')}: `;
}

function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, not ${kindOf(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      return 'not in any shape nodegrid reads';
    default:
      return issue.message;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
