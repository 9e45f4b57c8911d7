import path from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '../sys/files';

/**
 * Replaces the textfile in one rename, so node_exporter (which may read it at
 * any moment) sees the previous file or the new one, never half of either.
 * The temporary file sits in the same folder (a rename across filesystems is
 * not atomic) and is named ".<name>.<pid>.<random>.tmp": the collector reads
 * only *.prom files, so it never picks it up.
 */
export function writeTextfile(file: string, text: string): void {
  // The folder is shared with other exporters: only our own leftovers go.
  removeStaleTempFiles(path.dirname(file), path.basename(file));
  // No folder fsync: a file lost to a power cut is rewritten by the next tick.
  writeFileAtomic(file, text, { syncDir: false });
}
