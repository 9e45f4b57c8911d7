import fs from 'node:fs';
import path from 'node:path';
import { createRedactor, type Redactor } from '../core/secrets';
import { isoSeconds } from '../core/time';

/**
 * The human-tailable log: one line per thing that happened, UTC time first.
 * Every line is redacted, so a token that slipped into a note or an error
 * message never lands on disk.
 */
const ROTATE_AT_BYTES = 10 * 1024 * 1024;

export interface NodeLog {
  write(line: string, now?: Date): void;
  /**
   * The redactor every line goes through, for text stored beside the log
   * (outbox status, the work state): one redactor for everything on disk.
   */
  redact: Redactor;
}

export function openNodeLog(logFile: string, redact: Redactor = createRedactor([])): NodeLog {
  return {
    redact,
    write(line, now = new Date()) {
      // Redacted before it becomes one line: a secret split by "\n" escapes would no longer match.
      const text = `${isoSeconds(now)} ${oneLine(redact(line))}\n`;
      try {
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        rotateIfLarger(logFile, ROTATE_AT_BYTES);
        fs.appendFileSync(logFile, text);
      } catch {
        // The log is for people; failing to write it must never fail a state change.
      }
    },
  };
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
}

/**
 * One rotation for every log nodegrid keeps: past maxBytes the file becomes
 * FILE.1 (replacing the previous one), so a log costs at most twice its bound.
 * A writer that already has the file open (cron's `>>tick.log`) finishes in FILE.1.
 */
export function rotateIfLarger(logFile: string, maxBytes: number): void {
  try {
    if (fs.statSync(logFile).size > maxBytes) fs.renameSync(logFile, `${logFile}.1`);
  } catch {
    /* no log yet */
  }
}
