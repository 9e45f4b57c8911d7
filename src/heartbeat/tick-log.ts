import { rotateIfLarger } from '../sys/log';

/**
 * The file cron appends every beat's output to (`tick --output-log`, written
 * into the line by `install cron`): errors that happen before nodegrid can
 * open its own log (a broken config) land here. cron cannot bound it, so the
 * tick does, with the node log's rotation: at most this much, plus one FILE.1.
 */
export const TICK_LOG_MAX_BYTES = 1024 * 1024;

export function rotateTickLog(file: string): void {
  rotateIfLarger(file, TICK_LOG_MAX_BYTES);
}
