import type { Health } from '../core/health';
import { formatDuration, parseTss } from '../core/time';
import { probeAddress } from '../grid/probe';
import { countHealth, describeCounts, groupByPart } from '../grid/query';
import type { GridNode } from '../grid/view';
import type { Style } from './output';

/**
 * What `nodes` prints for people: a table grouped by deployment and nodepart
 * with a summary line per group (the default), the same with more columns
 * (wide), or one table in a chosen order (--sort), where a grouping would
 * break the order asked for. Pure: lines in, no printing.
 */
export const NODE_OUTPUTS = ['table', 'wide', 'name', 'json'] as const;
export type NodeOutput = (typeof NODE_OUTPUTS)[number];

/** Worst first for health; oldest first for the times (the node to look at comes first). */
export const SORT_KEYS = ['id', 'health', 'state', 'since', 'beat', 'deployment', 'nodepart', 'hostname'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TableOptions {
  readonly wide: boolean;
  readonly headers: boolean;
  readonly sort?: SortKey | undefined;
  readonly now: Date;
  readonly paint: (style: Style, text: string) => string;
}

const HEALTH_STYLE: Record<Health, Style> = { alive: 'green', new: 'blue', stale: 'yellow', zombie: 'magenta', stuck: 'red', wedged: 'red', retired: 'gray' };
const HEALTH_RANK: Record<Health, number> = { wedged: 0, zombie: 1, stuck: 2, stale: 3, new: 4, alive: 5, retired: 6 };
/** A note is a sentence in the table; its whole text is in --json, `history` and the dashboard. */
const NOTE_WIDTH = 60;

interface Column {
  readonly header: string;
  readonly cell: (node: GridNode, now: Date) => string;
  readonly style?: (node: GridNode) => Style | undefined;
}

const COLUMNS: readonly Column[] = [
  { header: 'ID', cell: (node) => node.id },
  { header: 'HEALTH', cell: (node) => (node.silenced ? `${node.health} (silenced)` : node.health), style: (node) => HEALTH_STYLE[node.health] },
  { header: 'STATE', cell: (node) => node.state ?? '-' },
  { header: 'STACKTYPE', cell: (node) => node.stacktype ?? '-' },
  { header: 'FOR', cell: (node, now) => ageOf(stateSince(node), now) ?? '-' },
  { header: 'LAST BEAT', cell: (node, now) => (node.heartbeat ? `${ageOf(new Date(node.heartbeat), now) ?? '-'} ago` : 'no beat yet') },
];

const WIDE_COLUMNS: readonly Column[] = [
  { header: 'HOSTNAME', cell: (node) => node.record.extra.hostname ?? '-' },
  { header: 'ADDRESS', cell: (node) => probeAddress(node.record.extra) ?? '-' },
  { header: 'LABELS', cell: (node) => formatLabels(node.record.labels) || '-' },
  { header: 'NOTE', cell: (node) => (node.note ? shortNote(node.note) : '') },
];

export function renderNodes(nodes: readonly GridNode[], options: TableOptions): string[] {
  const columns = options.wide ? [...COLUMNS, ...WIDE_COLUMNS] : COLUMNS;
  const cells = new Map(nodes.map((node) => [node.id, columns.map((column) => column.cell(node, options.now))]));
  const widths = columns.map((column, i) => Math.max(options.headers ? column.header.length : 0, ...nodes.map((node) => cells.get(node.id)![i]!.length)));
  const row = (node: GridNode): string => joinCells(cells.get(node.id)!, widths, (i, text) => {
    const style = columns[i]!.style?.(node);
    return style ? options.paint(style, text) : text;
  });
  const header = joinCells(columns.map((column) => column.header), widths, (_, text) => options.paint('dim', text));

  if (options.sort !== undefined) {
    const lines = options.headers ? [header] : [];
    return [...lines, ...sortNodes(nodes, options.sort).map(row)];
  }
  const lines: string[] = options.headers && nodes.length > 0 ? [`    ${header}`] : [];
  for (const [deployment, parts] of groupByPart(nodes)) {
    const members = [...parts.values()].flat();
    lines.push(options.paint('bold', `${deployment}: ${describeCounts(countHealth(members))}`));
    for (const [nodepart, list] of parts) {
      lines.push(`  ${nodepart} (${describeCounts(countHealth(list))})`);
      for (const node of list) lines.push(`    ${row(node)}`);
    }
  }
  return lines;
}

export function sortNodes(nodes: readonly GridNode[], key: SortKey): GridNode[] {
  const text = (value: string | null | undefined): string => value ?? '\uffff';
  const time = (date: Date | undefined): number => date?.getTime() ?? Number.NEGATIVE_INFINITY;
  const compare: Record<SortKey, (a: GridNode, b: GridNode) => number> = {
    id: () => 0,
    health: (a, b) => HEALTH_RANK[a.health] - HEALTH_RANK[b.health],
    state: (a, b) => text(a.state).localeCompare(text(b.state)),
    since: (a, b) => time(stateSince(a)) - time(stateSince(b)),
    // No beat sorts first: the node never heard from is the one to look at.
    beat: (a, b) => time(a.heartbeat ? new Date(a.heartbeat) : undefined) - time(b.heartbeat ? new Date(b.heartbeat) : undefined),
    deployment: (a, b) => text(a.deployment).localeCompare(text(b.deployment)),
    nodepart: (a, b) => text(a.nodepart).localeCompare(text(b.nodepart)),
    hostname: (a, b) => text(a.record.extra.hostname).localeCompare(text(b.record.extra.hostname)),
  };
  return [...nodes].sort((a, b) => compare[key](a, b) || a.id.localeCompare(b.id));
}

function stateSince(node: GridNode): Date | undefined {
  return node.statetss ? parseTss(node.statetss) : undefined;
}

function ageOf(since: Date | undefined, now: Date): string | undefined {
  return since ? formatDuration(now.getTime() - since.getTime()) : undefined;
}

/** "env=prod,tier=db", as a selector would name them. */
function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The first line, cut to the column: a script's tail is many lines. */
function shortNote(note: string): string {
  const first = note.trim().split('\n')[0] ?? '';
  const more = first.length > NOTE_WIDTH || note.trim().includes('\n');
  return more ? `${first.slice(0, NOTE_WIDTH - 1)}…` : first;
}

/** Padding counts the text, not the colour codes around it; the last column is not padded. */
function joinCells(texts: readonly string[], widths: readonly number[], decorate: (i: number, text: string) => string): string {
  return texts
    .map((text, i) => decorate(i, i === texts.length - 1 ? text : text.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}
