import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { parseJsonWith } from '../core/parse-json';
import { readTextIfExists, writeFileAtomic } from '../sys/files';
import { acquireLock } from '../sys/lock';
import { setAside } from '../sys/set-aside';

/**
 * The incidents one paging destination has opened and not yet resolved, by
 * key, kept in $NODEGRID_HOME/paging/<destination>.json. It is what makes a
 * pager quiet where it should be: a trigger for an incident already open is
 * not sent again (a node wedged twice, the monitor seeing what the node said),
 * and a resolve goes only where an incident was opened (email and ntfy would
 * otherwise announce recoveries of things nobody was paged about).
 *
 * Recorded after the pager took the action: a kill in between sends it once
 * more, which PagerDuty's dedup_key and Opsgenie's alias absorb.
 */
const bookSchema = z.record(z.string(), z.object({ opened: z.string(), summary: z.string() }));
/** By key: a Map, since keys hold node ids from other nodes ("constructor" is a valid one). */
export type OpenIncidents = Map<string, { opened: string; summary: string }>;

export interface IncidentBook {
  read(): OpenIncidents;
  /** Changes the book under its lock (the node's outbox and the monitor's may share one home). */
  update(change: (open: OpenIncidents) => void): Promise<void>;
}

const LOCK_TIMEOUT_MS = 10_000;

export function openIncidentBook(homeDir: string, destination: string): IncidentBook {
  const file = path.join(homeDir, 'paging', `${destination}.json`);
  const read = (): OpenIncidents => {
    const text = readTextIfExists(file);
    if (text === undefined) return new Map();
    const parsed = parseJsonWith(bookSchema, text);
    if (parsed.ok) return new Map(Object.entries(parsed.value));
    // Unreadable: start again rather than page nobody. Resolves of what it held are lost; triggers are not.
    setAside(file, parsed.problem, `${file}.corrupt-${Date.now()}`);
    return new Map();
  };
  return {
    read,
    async update(change) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lock = await acquireLock(`${file}.lock`, { timeoutMs: LOCK_TIMEOUT_MS, what: `the incident book of ${destination}` });
      try {
        const open = read();
        change(open);
        writeFileAtomic(file, `${JSON.stringify(Object.fromEntries(open), null, 2)}\n`);
      } finally {
        await lock.release();
      }
    },
  };
}
