import { NodegridError } from './errors';
import { labelKeyProblem, labelValueProblem, type Labels } from './labels';

/**
 * Label selectors as `kubectl -l` takes them (the equality-based and
 * existence forms): comma-separated requirements, all of which must hold:
 *
 *   env=prod   env==prod   the label is there with this value
 *   env!=prod              not this value (a node without the label matches, as in Kubernetes)
 *   env                    the label is there, any value
 *   !env                   the label is not there
 *
 * Several -l flags add their requirements together. Pure.
 */
export type LabelRequirement =
  | { readonly op: 'equals'; readonly key: string; readonly value: string }
  | { readonly op: 'not-equals'; readonly key: string; readonly value: string }
  | { readonly op: 'exists'; readonly key: string }
  | { readonly op: 'not-exists'; readonly key: string };

export type LabelSelector = readonly LabelRequirement[];

export const SELECTOR_FORMS = 'key=value, key!=value, key (has it) or !key (has it not), comma-separated';

/** The requirements of one selector text, or a problem naming the part that is wrong. */
export function parseSelectorText(text: string): { ok: true; selector: LabelRequirement[] } | { ok: false; problem: string } {
  const selector: LabelRequirement[] = [];
  if (text.trim() === '') return { ok: false, problem: 'the selector is empty' };
  if (/[()]/.test(text) || /\s(?:in|notin)\s/.test(text)) return { ok: false, problem: `set-based selectors (key in (a,b)) are not supported; use ${SELECTOR_FORMS}` };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') return { ok: false, problem: 'an empty requirement between commas' };
    const requirement = parseRequirement(part);
    if (typeof requirement === 'string') return { ok: false, problem: `${JSON.stringify(part.slice(0, 80))}: ${requirement}` };
    selector.push(requirement);
  }
  return { ok: true, selector };
}

function parseRequirement(part: string): LabelRequirement | string {
  const match = /^(.*?)(!=|==|=)(.*)$/.exec(part);
  if (match) {
    const key = match[1]!.trim();
    const value = match[3]!.trim();
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem !== undefined) return problem;
    return match[2] === '!=' ? { op: 'not-equals', key, value } : { op: 'equals', key, value };
  }
  const negated = part.startsWith('!');
  const key = (negated ? part.slice(1) : part).trim();
  const problem = labelKeyProblem(key);
  if (problem !== undefined) return problem;
  return negated ? { op: 'not-exists', key } : { op: 'exists', key };
}

/** Every -l given, as one selector; bad input is refused naming the flag, the text and the forms it takes (exit 2). */
export function parseLabelSelector(texts: readonly string[], flag = '-l'): LabelSelector | undefined {
  if (texts.length === 0) return undefined;
  const selector: LabelRequirement[] = [];
  for (const text of texts) {
    const parsed = parseSelectorText(text);
    if (!parsed.ok) {
      throw new NodegridError('E_BAD_INPUT', `${flag} ${JSON.stringify(text.slice(0, 120))} is not a label selector: ${parsed.problem}`, {
        hint: `use ${SELECTOR_FORMS}, e.g. ${flag} env=prod,tier!=db`,
      });
    }
    selector.push(...parsed.selector);
  }
  return selector;
}

export function matchesSelector(labels: Labels, selector: LabelSelector): boolean {
  return selector.every((requirement) => {
    const has = Object.hasOwn(labels, requirement.key);
    switch (requirement.op) {
      case 'equals':
        return has && labels[requirement.key] === requirement.value;
      case 'not-equals':
        return !has || labels[requirement.key] !== requirement.value;
      case 'exists':
        return has;
      case 'not-exists':
        return !has;
    }
  });
}

/** "env=prod,!legacy": the selector as a person would type it again. */
export function formatSelector(selector: LabelSelector): string {
  return selector
    .map((r) => (r.op === 'equals' ? `${r.key}=${r.value}` : r.op === 'not-equals' ? `${r.key}!=${r.value}` : r.op === 'exists' ? r.key : `!${r.key}`))
    .join(',');
}
