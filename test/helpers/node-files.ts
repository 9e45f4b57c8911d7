import fs from 'node:fs';
import path from 'node:path';
import { parseStateLog } from '../../src/core/statelog';
import type { NodeEvent } from '../../src/core/event';

/** The statelog of a test node, parsed strictly: a malformed entry fails the test. */
export function readStateLog(nodeinfo: string): Array<{ state: string; tss: string }> {
  const text = readOrEmpty(path.join(nodeinfo, 'statelog.txt'));
  const { entries, malformed } = parseStateLog(text);
  if (malformed.length > 0) throw new Error(`statelog has malformed entries: ${malformed.join(' | ')}`);
  if (text !== '' && !/^([A-Za-z0-9_-]+:\d{8}-\d{6};)+$/.test(text)) throw new Error(`statelog is not in the original's format: ${JSON.stringify(text)}`);
  return entries;
}

export function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Events waiting in one sink's queue, oldest first. */
export function queuedEvents(home: string, sink: string): NodeEvent[] {
  const dir = path.join(home, 'outbox', sink);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{12}-.*\.json$/.test(name))
    .sort()
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as NodeEvent);
}

/** A snapshot of every file under a folder, to prove a refused command changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string): void => {
    if (!fs.existsSync(current)) return;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}
