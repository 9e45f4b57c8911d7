import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../sys/files';
import { isProcessAlive } from '../sys/pid';

/**
 * Replaces the textfile in one rename, so node_exporter (which may read it at
 * any moment) sees the previous file or the new one, never half of either.
 * The temporary file sits in the same folder (a rename across filesystems is
 * not atomic) and is named ".<name>.<pid>.<random>.tmp": the collector reads
 * only *.prom files, so it never picks it up.
 */
export function writeTextfile(file: string, text: string): void {
  removeOurStaleTempFiles(file);
  // No folder fsync: a file lost to a power cut is rewritten by the next tick.
  writeFileAtomic(file, text, { syncDir: false });
}

/**
 * A writer killed between create and rename leaves its temporary file behind.
 * The textfile folder is shared with other exporters, so only our own name
 * pattern with a dead writer's pid is removed.
 */
function removeOurStaleTempFiles(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // the write below reports a missing folder
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}
