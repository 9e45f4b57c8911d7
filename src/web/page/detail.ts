import type { ApiNode, BeatsResponse, Color, HistoryResponse } from '../api';
import { renderBeats } from './beats';
import { byId, clear, el } from './dom';
import { exact, isoToDate, relative, tssToDate } from './format';

/** One node's facts and its whole state history as a timeline. */
export async function showDetail(node: ApiNode, now: Date, stateColors: Readonly<Record<string, Color>>): Promise<void> {
  const panel = byId('detail');
  panel.hidden = false;
  panel.dataset.id = node.id;
  byId('detail-title').textContent = node.id;
  const fields = byId('detail-fields');
  clear(fields);
  const since = tssToDate(node.statetss);
  const beat = isoToDate(node.heartbeat);
  const rows: Array<[string, string]> = [
    ['health', node.health],
    ['state', node.state ?? '—'],
    // The reason given for this state (`state set --note`), as text like every node string.
    ...(node.note ? ([['note', node.note]] as Array<[string, string]>) : []),
    ...(node.silenced ? ([['silenced', `until ${node.silenced.until} by ${node.silenced.by}${node.silenced.note ? `: ${node.silenced.note}` : ''}`]] as Array<[string, string]>) : []),
    ['since', since ? `${exact(since)} (${relative(since, now)})` : '—'],
    ['last heartbeat', beat ? `${exact(beat)} (${relative(beat, now)})` : 'none found'],
    ['deployment', node.deployment ?? '—'],
    ['nodepart', node.nodepart ?? '—'],
    ['stacktype', node.stacktype ?? '—'],
    ['initgitrepo', node.initgitrepo ?? '—'],
    ...Object.entries(node.fields ?? {}),
    // Labels as a selector names them: what to type in the labels box to find this node's kind.
    ...(node.labels && Object.keys(node.labels).length > 0 ? ([['labels', Object.entries(node.labels).map(([key, value]) => `${key}=${value}`).join(', ')]] as Array<[string, string]>) : []),
  ];
  for (const [name, value] of rows) fields.append(el('dt', { text: name }), el('dd', { text: value }));
  void showBeats(node.id);

  const timeline = byId('detail-timeline');
  const limits = byId('detail-limits');
  clear(timeline);
  limits.textContent = 'loading…';
  const response = await fetch(`/api/nodes/${encodeURIComponent(node.id)}/history`);
  if (panel.dataset.id !== node.id) return; // another node was opened meanwhile
  if (!response.ok) {
    limits.textContent = `no history: ${(await response.text()).trim()}`;
    return;
  }
  const history = (await response.json()) as HistoryResponse;
  limits.textContent = history.limits.join(' ');
  // Newest first, like the event feed.
  for (const step of [...history.states].reverse()) {
    const at = tssToDate(step.tss);
    timeline.appendChild(
      el('li', { className: `c-${colorOf(stateColors, step.state)}` }, [
        el('span', { className: 'badge', text: step.state }),
        el('span', { className: 'when', text: at ? `${exact(at)} (${relative(at, now)})` : step.tss }),
        ...(step.commit ? [el('small', { className: 'when', text: step.commit.slice(0, 12) })] : []),
      ]),
    );
  }
}

async function showBeats(id: string): Promise<void> {
  const strip = byId('detail-beats');
  const caption = byId('detail-beats-caption');
  clear(strip);
  caption.textContent = 'loading…';
  const response = await fetch(`/api/nodes/${encodeURIComponent(id)}/beats`);
  if (byId('detail').dataset.id !== id) return;
  if (!response.ok) {
    caption.textContent = `no beats: ${(await response.text()).trim()}`;
    return;
  }
  renderBeats(strip, caption, (await response.json()) as BeatsResponse);
}

/** A state the lifecycle does not know ("toString" from a hostile node) is gray text, never a property of the table. */
function colorOf(stateColors: Readonly<Record<string, Color>>, state: string): Color {
  return Object.hasOwn(stateColors, state) ? stateColors[state]! : 'gray';
}

export function hideDetail(): void {
  const panel = byId('detail');
  panel.hidden = true;
  delete panel.dataset.id;
}
