import type { ApiNode, Health } from '../api';
import { clear, el } from './dom';
import { exact, isoToDate, relative, tssToDate } from './format';
import { SHOWN_HEALTHS, type Group } from './model';

/**
 * The node table. Up to FIRST_ROWS rows go into the DOM at once, so a grid of
 * up to that size is complete at first render (no virtual scrolling, nothing
 * collapsed); the rest follow in chunks while the browser is idle, so 10,000
 * nodes show their first screen quickly and never freeze the tab.
 */
export const FIRST_ROWS = 1000;
const CHUNK_ROWS = 1000;

/** Column names, in order; each col gets "col-<name>" (its width, in style.css). The note is the operator's to switch on. */
const BASE_COLUMNS = ['id', 'stacktype', 'state', 'health', 'since', 'heartbeat', 'hostname', 'address'] as const;
const NOTE_COLUMN = 'note';
const ROW_PX = 24;

export function columnNames(withNote: boolean): string[] {
  return withNote ? [...BASE_COLUMNS, NOTE_COLUMN] : [...BASE_COLUMNS];
}

/** The colgroup every table of the grid (the head and each chunk) shares, so fixed layout lines them up. */
export function colgroup(withNote: boolean): HTMLTableColElement {
  return el('colgroup', {}, columnNames(withNote).map((name) => el('col', { className: `col-${name}` })));
}

type Item = { group: Group } | { node: ApiNode };

export class GridTable {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private pending: number | undefined;
  private template: HTMLTableRowElement;
  private withNote = false;

  constructor(
    private readonly body: HTMLElement,
    private readonly onDone: (rows: number) => void,
  ) {
    this.template = rowTemplate(false);
  }

  /** Shows or hides the note column; the caller renders again. */
  setNoteColumn(on: boolean): void {
    this.withNote = on;
    this.template = rowTemplate(on);
  }

  render(groups: readonly Group[], now: Date): void {
    this.cancel();
    clear(this.body);
    this.rows.clear();
    const items: Item[] = [];
    for (const group of groups) {
      items.push({ group });
      for (const node of group.nodes) items.push({ node });
    }
    let next = this.append(items, 0, FIRST_ROWS, now);
    const more = (): void => {
      this.pending = undefined;
      next = this.append(items, next, CHUNK_ROWS, now);
      if (next < items.length) this.pending = later(more);
      else this.onDone(this.rows.size);
    };
    if (next < items.length) this.pending = later(more);
    else this.onDone(this.rows.size);
  }

  /** Updates a shown row in place (it keeps its position, so nothing jumps under the pointer); false when not shown. */
  patch(node: ApiNode, now: Date): boolean {
    const row = this.rows.get(node.id);
    if (!row) return false;
    fill(row, node, now);
    row.classList.remove('changed');
    row.getBoundingClientRect(); // a layout read restarts the highlight animation
    row.classList.add('changed');
    return true;
  }

  remove(id: string): void {
    this.rows.get(id)?.remove();
    this.rows.delete(id);
  }

  /** Relative times move on even when no node changes. */
  retime(nodes: ReadonlyMap<string, ApiNode>, now: Date): void {
    for (const [id, row] of this.rows) {
      const node = nodes.get(id);
      if (node) setTimes(row, node, now);
    }
  }

  private append(items: readonly Item[], start: number, budget: number, now: Date): number {
    const fragment = el('tbody');
    let i = start;
    for (let rows = 0; i < items.length && rows < budget; i++) {
      const item = items[i]!;
      if ('group' in item) {
        fragment.appendChild(groupRow(item.group, columnNames(this.withNote).length));
        continue;
      }
      const row = this.template.cloneNode(true) as HTMLTableRowElement;
      fill(row, item.node, now);
      this.rows.set(item.node.id, row);
      fragment.appendChild(row);
      rows++;
    }
    const chunk = el('div', { className: 'chunk' }, [el('table', {}, [colgroup(this.withNote), fragment])]);
    // The height an off-screen chunk is assumed to have until it is first drawn (CSSOM, which the CSP allows).
    chunk.style.containIntrinsicSize = `auto ${fragment.rows.length * ROW_PX}px`;
    this.body.appendChild(chunk);
    return i;
  }

  private cancel(): void {
    if (this.pending === undefined) return;
    if (typeof cancelIdleCallback === 'function') cancelIdleCallback(this.pending);
    clearTimeout(this.pending);
    this.pending = undefined;
  }
}

function later(callback: () => void): number {
  return typeof requestIdleCallback === 'function' ? requestIdleCallback(callback, { timeout: 200 }) : window.setTimeout(callback, 0);
}

function rowTemplate(withNote: boolean): HTMLTableRowElement {
  return el('tr', { className: 'node' }, [
    el('td', {}, [el('a')]),
    el('td'),
    el('td'),
    el('td', {}, [el('span', { className: 'badge' })]),
    el('td', {}, [document.createTextNode(''), el('small')]),
    el('td'),
    el('td', { className: 'hostname' }),
    el('td', { className: 'address' }),
    ...(withNote ? [el('td', { className: 'note' })] : []),
  ]);
}

function groupRow(group: Group, columns: number): HTMLTableRowElement {
  const counts = new Map<Health, number>();
  for (const node of group.nodes) counts.set(node.health, (counts.get(node.health) ?? 0) + 1);
  const summary = SHOWN_HEALTHS.filter((h) => counts.has(h)).map((h) => `${counts.get(h)} ${h}`).join(', ');
  return el('tr', { className: 'group' }, [el('th', { attrs: { colspan: String(columns), scope: 'rowgroup' } }, [document.createTextNode(`${group.deployment} / ${group.nodepart}`), el('span', { className: 'muted', text: summary })])]);
}

function fill(row: HTMLTableRowElement, node: ApiNode, now: Date): void {
  const cells = row.cells;
  row.className = `node h-${node.health}`;
  row.dataset.id = node.id;
  row.dataset.health = node.health;
  const link = cells[0]!.firstChild as HTMLAnchorElement;
  link.textContent = node.id;
  link.href = `#node/${encodeURIComponent(node.id)}`;
  cells[1]!.textContent = node.stacktype ?? '—';
  cells[2]!.textContent = node.state ?? '—';
  const badge = cells[3]!.firstChild as HTMLSpanElement;
  // A silenced node keeps its health, with the silence beside it: quiet on purpose, not a mystery.
  badge.textContent = node.silenced ? `${node.health} · silenced` : node.health;
  badge.className = `badge h-${node.health}`;
  badge.title = node.silenced ? `silenced until ${node.silenced.until} by ${node.silenced.by}${node.silenced.note ? `: ${node.silenced.note}` : ''}` : '';
  cells[6]!.textContent = node.hostname ?? '—';
  cells[7]!.textContent = node.address ?? '—';
  const note = cells[8];
  if (note) {
    // The first line in the cell, the whole text on hover and in the node panel.
    note.textContent = node.note?.split('\n')[0] ?? '';
    note.title = node.note ?? '';
  }
  setTimes(row, node, now);
}

function setTimes(row: HTMLTableRowElement, node: ApiNode, now: Date): void {
  const cells = row.cells;
  const since = tssToDate(node.statetss);
  cells[4]!.firstChild!.textContent = relative(since, now);
  (cells[4]!.lastChild as HTMLElement).textContent = exact(since);
  const beat = isoToDate(node.heartbeat);
  cells[5]!.textContent = beat ? relative(beat, now) : 'none';
  cells[5]!.title = exact(beat);
}
