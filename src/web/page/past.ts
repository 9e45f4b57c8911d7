import type { AtNode, AtResponse } from '../api';
import { byId, clear, el } from './dom';
import { exact, relative, tssToDate } from './format';
import { matchesPlace, MISSING, type Filter } from './model';

/**
 * The grid at a past minute, as /api/at answers it (the same answer as
 * `nodegrid at --json`): a table of its own, since the past knows states and
 * beats but not health, under a banner that says which minute it is.
 */
export function minuteLabel(minute: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(minute);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]} UTC` : minute;
}

export function renderPast(answer: AtResponse, filter: Filter): void {
  const commit = answer.commit ? ` (as of commit ${answer.commit.slice(0, 12)})` : '';
  byId('past-banner').textContent = `the grid at ${minuteLabel(answer.minute)}${commit} · live updates paused`;
  byId('past-limits').textContent = answer.limits.join(' ');
  const at = new Date(answer.time);
  const shown = answer.nodes.filter((node) => matchesPlace(node, filter)).sort(byPlace);
  const body = byId('past-body');
  clear(body);
  const fragment = document.createDocumentFragment();
  for (const node of shown) fragment.appendChild(pastRow(node, at));
  body.appendChild(fragment);
  const beating = answer.nodes.filter((node) => node.beat).length;
  byId('past-count').textContent = `${shown.length} of ${answer.nodes.length} nodes known then, ${beating} beat in that minute`;
}

function pastRow(node: AtNode, at: Date): HTMLTableRowElement {
  const since = tssToDate(node.statetss);
  return el('tr', { className: node.beat ? 'beat' : 'silent', attrs: { 'data-id': node.id } }, [
    el('td', { text: node.id }),
    el('td', { text: `${node.deployment ?? MISSING} / ${node.nodepart ?? MISSING}` }),
    el('td', { text: node.stacktype ?? '—' }),
    el('td', { text: node.state ?? 'unknown' }),
    el('td', { text: since ? relative(since, at).replace(' ago', ' before') : '—', title: exact(since) }),
    el('td', { text: node.beat ? 'beat' : 'silent' }),
  ]);
}

function byPlace(a: AtNode, b: AtNode): number {
  const key = (n: AtNode): string => `${n.deployment ?? MISSING}\u0000${n.nodepart ?? MISSING}\u0000${n.id}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
