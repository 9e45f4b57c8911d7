import type { ApiNode, Health, SkippedDocument } from '../api';
import { byId, clear, el } from './dom';
import { clock, exact, isoToDate } from './format';
import { MISSING, SHOWN_HEALTHS } from './model';

/** Counts per health (buttons that filter), per deployment, and the documents that could not be read. */

export function renderCounts(counts: Readonly<Record<Health, number>>, active: string, onPick: (health: string) => void): void {
  const box = byId('health-counts');
  clear(box);
  for (const health of SHOWN_HEALTHS) {
    const button = el('button', { className: `count h-${health}`, attrs: { type: 'button', 'aria-pressed': String(active === health), 'data-health': health } }, [
      el('b', { text: String(Object.hasOwn(counts, health) ? counts[health] : 0) }),
      document.createTextNode(health),
    ]);
    button.addEventListener('click', () => onPick(active === health ? '' : health));
    box.appendChild(button);
  }
}

export function renderDeployments(nodes: Iterable<ApiNode>): void {
  const perDeployment = new Map<string, Map<string, number>>();
  for (const node of nodes) {
    const key = node.deployment ?? MISSING;
    let counts = perDeployment.get(key);
    if (!counts) perDeployment.set(key, (counts = new Map<string, number>()));
    counts.set(node.health, (counts.get(node.health) ?? 0) + 1);
  }
  const table = byId<HTMLTableElement>('deployments');
  const head = table.tHead!;
  clear(head);
  head.appendChild(el('tr', {}, [el('th', { text: 'deployment' }), el('th', { text: 'nodes' }), ...SHOWN_HEALTHS.map((h) => el('th', { text: h }))]));
  const body = table.tBodies[0]!;
  clear(body);
  for (const [deployment, counts] of [...perDeployment].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const count = (h: Health): number => counts.get(h) ?? 0;
    const total = SHOWN_HEALTHS.reduce((sum, h) => sum + count(h), 0);
    body.appendChild(el('tr', {}, [el('td', { text: deployment }), el('td', { text: String(total) }), ...SHOWN_HEALTHS.map((h) => el('td', { text: String(count(h)), className: count(h) === 0 ? 'zero' : '' }))]));
  }
}

export function renderRefreshed(refreshedAt: string, now: string, refreshSeconds: number, refreshError: string | null): void {
  const at = isoToDate(refreshedAt);
  const evaluated = isoToDate(now);
  const frozen = at && evaluated && Math.abs(at.getTime() - evaluated.getTime()) > 5 * 60_000 ? `; health as of ${exact(evaluated)}` : '';
  const failed = refreshError ? `; last refresh failed: ${refreshError}` : '';
  byId('refreshed').textContent = `last refresh ${clock(at)} UTC (every ${refreshSeconds} s)${frozen}${failed}`;
}

export function renderProblems(problems: readonly SkippedDocument[]): void {
  const box = byId<HTMLDetailsElement>('problems');
  box.hidden = problems.length === 0;
  box.querySelector('summary')!.textContent = `${problems.length} unreadable document${problems.length === 1 ? '' : 's'} skipped`;
  const list = box.querySelector('ul')!;
  clear(list);
  for (const problem of problems) list.appendChild(el('li', {}, [el('code', { text: problem.file }), document.createTextNode(`: ${problem.message}`)]));
}
