import type { ApiNode, NodesResponse, UpdateMessage } from '../api';
import { hideDetail, showDetail } from './detail';
import { byId, setOptions } from './dom';
import { addEvents } from './feed';
import { connectLive } from './live';
import { arrange, distinct, HEALTH_NAMES, matches, type Filter, type Sort, type SortKey } from './model';
import { renderCounts, renderDeployments, renderProblems, renderRefreshed } from './summary';
import { GridTable } from './table';

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
const health = byId<HTMLSelectElement>('filter-health');

function filter(): Filter {
  return { text: text.value.trim().toLowerCase(), deployment: deployment.value, nodepart: nodepart.value, health: health.value };
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
  setOptions(health, 'any health', [...HEALTH_NAMES]);
}

function renderTable(): void {
  document.body.dataset.rendered = '';
  table.render(arrange(nodes.values(), filter(), sort), now);
}

function applyUpdate(update: UpdateMessage): void {
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
text.addEventListener('input', () => {
  clearTimeout(typing);
  typing = window.setTimeout(renderTable, 150);
});
for (const select of [deployment, nodepart]) select.addEventListener('change', renderTable);
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
          if (hello.version !== data.version) void load();
        },
        onUpdate: applyUpdate,
      },
      () => data.refreshSeconds,
    ),
  )
  .catch((error: unknown) => {
    const status = byId('status');
    status.className = 'status gone';
    status.textContent = `cannot load the grid: ${error instanceof Error ? error.message : String(error)}`;
  });
