import { createHash } from 'node:crypto';
import { nodeLabel } from '../../core/event';
import type { PageAction } from '../../core/incident';

/**
 * What one email says: plain text a phone's mail app shows well. One message
 * per incident opened or closed; a batch with more than DIGEST_ABOVE triggers
 * (or resolves) is one digest instead, because fifty emails at once bury the
 * one that matters and trip the provider's rate limits.
 */
export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly priority: 'high' | 'normal';
  /** The actions it carries, counted from where the previous message stopped. */
  readonly covers: number;
}

export const DIGEST_ABOVE = 5;

/** Names shown in a digest's subject before "…". */
const SUBJECT_NAMES = 3;
const MAX_SUBJECT = 200;

/**
 * The messages for one batch, in order, each covering the next actions. The
 * digest takes the whole batch (triggers and resolves, in their order), so
 * it is all or nothing: "sent from the front" stays exact, and a resolve can
 * never arrive before the trigger it closes.
 */
export function planMessages(actions: readonly PageAction[]): EmailMessage[] {
  const triggers = actions.filter((a) => a.action === 'trigger').length;
  const resolves = actions.length - triggers;
  if (triggers > DIGEST_ABOVE || resolves > DIGEST_ABOVE) return [digestMessage(actions, triggers, resolves)];
  return actions.map(singleMessage);
}

function singleMessage(action: PageAction): EmailMessage {
  const opening = action.action === 'trigger';
  const word = opening ? 'TRIGGER' : 'RESOLVED';
  const lines = [
    action.summary,
    '',
    ...factLines(action),
    ...detailLines(action, ''),
    ...(action.link ? ['', `Dashboard: ${action.link}`] : []),
    '',
    '-- ',
    opening ? 'nodegrid opened this incident; a RESOLVED message follows when it closes.' : 'nodegrid closed this incident.',
  ];
  return {
    subject: subjectLine(`[nodegrid] ${word} ${nodeLabel(action.node)} ${action.problem}`),
    text: lines.join('\n'),
    headers: { 'X-Nodegrid-Incident': action.key, 'X-Nodegrid-Action': action.action, References: threadId(action.key) },
    priority: opening && (action.severity === 'critical' || action.severity === 'error') ? 'high' : 'normal',
    covers: 1,
  };
}

function digestMessage(actions: readonly PageAction[], triggers: number, resolves: number): EmailMessage {
  const counts = [triggers > 0 ? `${triggers} incident${triggers === 1 ? '' : 's'} opened` : '', resolves > 0 ? `${resolves}${triggers > 0 ? '' : ` incident${resolves === 1 ? '' : 's'}`} resolved` : ''].filter(Boolean).join(', ');
  const names = actions.slice(0, SUBJECT_NAMES).map((a) => `${nodeLabel(a.node)} ${a.problem}`);
  const more = actions.length > SUBJECT_NAMES ? ', …' : '';
  const lines = [`${counts}, in the order they happened:`];
  for (const action of actions) {
    lines.push('', `${action.action === 'trigger' ? 'TRIGGER' : 'RESOLVED'} ${action.summary}`, ...factLines(action).map((line) => `  ${line}`), ...detailLines(action, '  '));
    if (action.link) lines.push(`  Dashboard: ${action.link}`);
  }
  lines.push('', '-- ', 'nodegrid sends one digest when many incidents open or close at once.');
  return {
    subject: subjectLine(`[nodegrid] ${counts}: ${names.join(', ')}${more}`),
    text: lines.join('\n'),
    headers: { 'X-Nodegrid-Action': 'digest' },
    priority: actions.some((a) => a.action === 'trigger' && (a.severity === 'critical' || a.severity === 'error')) ? 'high' : 'normal',
    covers: actions.length,
  };
}

function factLines(action: PageAction): string[] {
  const where = [action.node.deployment && `deployment ${action.node.deployment}`, action.node.nodepart && `nodepart ${action.node.nodepart}`, action.node.stacktype && `stacktype ${action.node.stacktype}`].filter(Boolean).join(', ');
  return [`Node: ${action.node.id}${where ? ` (${where})` : ''}`, `Problem: ${action.problem}, severity ${action.severity}`, `Time: ${action.time}`, `Incident: ${action.key}`];
}

function detailLines(action: PageAction, indent: string): string[] {
  const entries = Object.entries(action.details);
  if (entries.length === 0) return [];
  return [`${indent}Details:`, ...entries.map(([name, value]) => `${indent}  ${name}: ${value.replace(/\r?\n/g, `\n${indent}    `)}`)];
}

/** One line: a summary or node id with a newline in it must not start a header of its own. */
function subjectLine(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length <= MAX_SUBJECT ? line : `${line.slice(0, MAX_SUBJECT - 1)}…`;
}

/**
 * A Message-ID-shaped name for the incident: the trigger and its resolve both
 * reference it, so mail clients thread the RESOLVED under its TRIGGER.
 */
function threadId(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@incident.nodegrid>`;
}
