import os from 'node:os';
import { NodegridError } from '../core/errors';
import { MAX_NOTE_CHARS } from '../core/event';
import { describeValue } from '../core/ids';
import { looksLikeSecret } from '../core/secrets';

/**
 * Who writes a request or a silence to presence, and why: checked the same
 * way for both before anything is written, since both are read by every
 * observer and shown in chat.
 */
const MAX_NAME_CHARS = 200;

/** --by, or user@host; never a token pasted by mistake. */
export function askerName(by: string | undefined): string {
  const name = by ?? `${os.userInfo().username}@${os.hostname()}`;
  if (name === '' || name.length > MAX_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(name) || looksLikeSecret(name)) {
    throw new NodegridError('E_BAD_INPUT', `--by ${describeValue(name)} is not a name: up to ${MAX_NAME_CHARS} printable characters, not a key or token`);
  }
  return name;
}

export function checkAskerNote(note: string | undefined): void {
  if (note !== undefined && (note.length > MAX_NOTE_CHARS || note.includes('\0'))) throw new NodegridError('E_BAD_INPUT', `the note must be at most ${MAX_NOTE_CHARS} characters, with no NUL byte`);
}
