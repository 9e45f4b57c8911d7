import type { GridEvent } from '../api';
import { byId, el } from './dom';
import { clock, isoToDate } from './format';

/** The event feed, newest first: "21:01:30 i-1:fed1/db1: running -> wedged". */
const MAX_SHOWN = 300;

export function addEvents(events: readonly GridEvent[], fresh: boolean): void {
  const list = byId('feed');
  // Events arrive oldest first; each goes on top.
  for (const event of events) {
    const item = el('li', { className: fresh ? `fresh k-${event.kind}` : `k-${event.kind}`, attrs: { 'data-seq': String(event.seq) } }, [
      el('time', { text: clock(isoToDate(event.at)), title: event.at }),
      document.createTextNode(` ${describe(event)}`),
    ]);
    list.insertBefore(item, list.firstChild);
  }
  while (list.childElementCount > MAX_SHOWN) list.lastElementChild!.remove();
}

export function describe(event: GridEvent): string {
  const who = `${event.id}:${event.deployment ?? '?'}/${event.nodepart ?? '?'}`;
  switch (event.kind) {
    case 'state':
      return `${who}: ${event.from ?? '(new)'} -> ${event.to ?? '?'}`;
    case 'health':
      return `${who}: health ${event.from ?? '?'} -> ${event.to ?? '?'}`;
    case 'appeared':
      return `${who}: appeared (${event.to ?? 'no state'})`;
    case 'removed':
      return `${who}: document removed from presence`;
  }
}
