import { parseSelectorText, type LabelSelector } from '../../core/label-selector';
import type { ApiNode, AtResponse, NodesResponse, UpdateMessage } from '../api';
import { hideDetail, showDetail } from './detail';
import { byId, setOptions } from './dom';
import { addEvents } from './feed';
import { connectLive } from './live';
import { arrange, distinct, HEALTH_NAMES, matches, type Filter, type Sort, type SortKey } from './model';
import { minuteLabel, renderPast } from './past';
import { renderCounts, renderDeployments, renderProblems, renderRefreshed } from './summary';
import { colgroup, GridTable } from './table';

/**
 * The dashboard page: one read of /api/nodes and /api/events, then only the
 * changes pushed over /events. Every string from a node goes through dom.ts.
 */
let data: NodesResponse;
const nodes = new Map<string, ApiNode>();
let now = new Date();
let sort: Sort = { key: 'health', descending: false };
const shown = byId('shown-count');
const table = new GridTable(byId('grid-body'), (rows) => {
  shown.textContent = `${rows} of ${nodes.size} nodes`;
  document.body.dataset.rendered = String(rows);
});
const text = byId<HTMLInputElement>('filter-text');
const deployment = byId<HTMLSelectElement>('filter-deployment');
const nodepart = byId<HTMLSelectElement>('filter-nodepart');
const stacktype = byId<HTMLSelectElement>('filter-stacktype');
const health = byId<HTMLSelectElement>('filter-health');
const labels = byId<HTMLInputElement>('filter-labels');
const noteToggle = byId<HTMLInputElement>('show-note');
const travelTime = byId<HTMLInputElement>('travel-time');
const travelNow = byId<HTMLButtonElement>('travel-now');
/** The answer of /api/at while the page shows the past; undefined when live. */
let past: AtResponse | undefined;
/** An update arrived while the past was shown: going back to now reads the grid afresh. */
let missedUpdate = false;

function filter(): Filter {
  return { text: text.value.trim().toLowerCase(), deployment: deployment.value, nodepart: nodepart.value, stacktype: stacktype.value, health: health.value, labels: labelSelector() };
}

/** The labels box as a selector; while it is not one, it says why and selects nothing away. */
function labelSelector(): LabelSelector | undefined {
  const raw = labels.value.trim();
  const parsed = raw === '' ? undefined : parseSelectorText(raw);
  const problem = parsed !== undefined && !parsed.ok ? parsed.problem : '';
  labels.setCustomValidity(problem);
  labels.title = problem || 'labels: env=prod, env!=prod, tier (has it), !legacy (has it not); comma-separated';
  labels.toggleAttribute('aria-invalid', problem !== '');
  return parsed?.ok ? parsed.selector : undefined;
}

/** View settings a reload keeps (this browser only). Storage may be refused (private windows): the default then. */
const NOTE_SETTING = 'nodegrid.noteColumn';
function remembered(key: string): boolean {
  try {
    return localStorage.getItem(key) === 'on';
  } catch {
    return false;
  }
}
function remember(key: string, on: boolean): void {
  try {
    localStorage.setItem(key, on ? 'on' : 'off');
  } catch {
    /* not kept; the toggle still works on this page */
  }
}

function setNoteColumn(on: boolean): void {
  noteToggle.checked = on;
  table.setNoteColumn(on);
  const head = byId<HTMLTableElement>('grid-head');
  head.querySelector('colgroup')!.replaceWith(colgroup(on));
  byId('note-header').hidden = !on;
  byId('grid').classList.toggle('with-note', on);
}

async function load(): Promise<void> {
  const [nodesResponse, eventsResponse] = await Promise.all([fetch('/api/nodes'), fetch('/api/events?limit=200')]);
  if (!nodesResponse.ok) throw new Error(`/api/nodes answered ${nodesResponse.status}`);
  data = (await nodesResponse.json()) as NodesResponse;
  nodes.clear();
  for (const node of data.nodes) nodes.set(node.id, node);
  now = new Date(data.now);
  byId('source').textContent = data.source;
  renderSummary();
  renderTable();
  performance.mark('nodegrid-first-render');
  byId('feed').replaceChildren();
  if (eventsResponse.ok) addEvents([...((await eventsResponse.json()) as { events: UpdateMessage['events'] }).events].reverse(), false);
  route();
}

function renderSummary(): void {
  renderCounts(data.counts, health.value, (picked) => {
    health.value = picked;
    renderSummary();
    renderTable();
  });
  renderDeployments(nodes.values());
  renderProblems(data.problems);
  renderRefreshed(data.refreshedAt, data.now, data.refreshSeconds, data.refreshError);
  setOptions(deployment, 'all deployments', distinct(nodes.values(), (n) => n.deployment));
  setOptions(nodepart, 'all nodeparts', distinct(nodes.values(), (n) => n.nodepart));
  setOptions(stacktype, 'all stacktypes', distinct(nodes.values(), (n) => n.stacktype));
  setOptions(health, 'any health', [...HEALTH_NAMES]);
  // The server's clock, not the browser's: the past ends at its now (with --now, a frozen time).
  travelTime.max = data.now.slice(0, 16);
}

function renderTable(): void {
  if (past) {
    renderPast(past, filter());
    return;
  }
  document.body.dataset.rendered = '';
  table.render(arrange(nodes.values(), filter(), sort), now);
}

/** The grid at the minute in the time input, from the same answer as `nodegrid at`; live updates wait. */
async function travel(): Promise<void> {
  const error = byId('travel-error');
  error.textContent = '';
  if (travelTime.value === '') return;
  const response = await fetch(`/api/at?time=${encodeURIComponent(travelTime.value)}`);
  if (!response.ok) {
    error.textContent = (await response.text()).trim();
    return;
  }
  past = (await response.json()) as AtResponse;
  document.body.classList.add('in-past');
  byId('grid').hidden = true;
  byId('past').hidden = false;
  travelNow.hidden = false;
  const status = byId('status');
  status.className = 'status paused';
  status.textContent = pausedText()!;
  renderTable();
}

function pausedText(): string | undefined {
  return past ? `paused · showing ${minuteLabel(past.minute)}` : undefined;
}

function backToNow(): void {
  past = undefined;
  document.body.classList.remove('in-past');
  byId('past').hidden = true;
  byId('grid').hidden = false;
  travelNow.hidden = true;
  byId('travel-error').textContent = '';
  travelTime.value = '';
  const status = byId('status');
  status.className = 'status live';
  status.textContent = 'live';
  if (missedUpdate) void load();
  else renderTable();
  missedUpdate = false;
}

function applyUpdate(update: UpdateMessage): void {
  if (past) {
    missedUpdate = true;
    return;
  }
  const changed = update.changed.length > 0 || update.removed.length > 0;
  // A missed update (the stream dropped between two refreshes) means one full read, never patching blind.
  if (update.version !== (changed ? data.version + 1 : data.version)) {
    void load();
    return;
  }
  const minuteMoved = Math.floor(Date.parse(update.now) / 60_000) !== Math.floor(now.getTime() / 60_000);
  data = { ...data, ...update, nodes: [] };
  now = new Date(update.now);
  const current = filter();
  let rebuild = false;
  for (const node of update.changed) {
    nodes.set(node.id, node);
    if (!matches(node, current)) table.remove(node.id);
    else if (!table.patch(node, now)) rebuild = true;
  }
  for (const id of update.removed) {
    nodes.delete(id);
    table.remove(id);
  }
  renderSummary();
  if (rebuild) renderTable();
  else if (minuteMoved) table.retime(nodes, now);
  addEvents(update.events, true);
  const open = byId('detail').dataset.id;
  if (open !== undefined && update.changed.some((n) => n.id === open)) route();
}

function route(): void {
  const m = /^#node\/(.+)$/.exec(location.hash);
  const node = m ? nodes.get(decodeURIComponent(m[1]!)) : undefined;
  if (node) void showDetail(node, now, data.stateColors);
  else hideDetail();
}

let typing: number | undefined;
for (const box of [text, labels]) {
  box.addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(renderTable, 150);
  });
}
for (const select of [deployment, nodepart, stacktype]) select.addEventListener('change', renderTable);
noteToggle.addEventListener('change', () => {
  setNoteColumn(noteToggle.checked);
  remember(NOTE_SETTING, noteToggle.checked);
  renderTable();
});
setNoteColumn(remembered(NOTE_SETTING));
byId('travel').addEventListener('submit', (event) => {
  event.preventDefault();
  void travel();
});
travelTime.addEventListener('change', () => void travel());
travelNow.addEventListener('click', backToNow);
health.addEventListener('change', () => {
  renderSummary();
  renderTable();
});
byId('filters').addEventListener('submit', (event) => event.preventDefault());
for (const th of document.querySelectorAll<HTMLTableCellElement>('#grid th[data-sort]')) {
  th.querySelector('button')!.addEventListener('click', () => {
    const key = th.dataset.sort as SortKey;
    sort = { key, descending: sort.key === key ? !sort.descending : false };
    for (const other of document.querySelectorAll('#grid th[data-sort]')) other.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
    renderTable();
  });
}
byId('detail-close').addEventListener('click', (event) => {
  event.preventDefault();
  history.replaceState(null, '', location.pathname);
  hideDetail();
});
window.addEventListener('hashchange', route);

load()
  .then(() =>
    connectLive(
      {
        onHello: (hello) => {
          if (past) missedUpdate = true;
          else if (hello.version !== data.version) void load();
        },
        onUpdate: applyUpdate,
        paused: pausedText,
      },
      () => data.refreshSeconds,
    ),
  )
  .catch((error: unknown) => {
    const status = byId('status');
    status.className = 'status gone';
    status.textContent = `cannot load the grid: ${error instanceof Error ? error.message : String(error)}`;
  });
