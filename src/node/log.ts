import fs from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../core/secrets';
import { isoSeconds } from '../core/time';

/**
 * The human-tailable log: one line per thing that happened, UTC time first.
 * Every line is redacted, so a token that slipped into a note or an error
 * message never lands on disk.
 */
const ROTATE_AT_BYTES = 10 * 1024 * 1024;

export interface NodeLog {
  write(line: string, now?: Date): void;
}

export function openNodeLog(logFile: string, knownSecrets: readonly string[] = []): NodeLog {
  return {
    write(line, now = new Date()) {
      const text = `${isoSeconds(now)} ${redactSecrets(oneLine(line), knownSecrets)}\n`;
      try {
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        rotateIfLarge(logFile);
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

function rotateIfLarge(logFile: string): void {
  try {
    if (fs.statSync(logFile).size > ROTATE_AT_BYTES) fs.renameSync(logFile, `${logFile}.1`);
  } catch {
    /* no log yet */
  }
}
