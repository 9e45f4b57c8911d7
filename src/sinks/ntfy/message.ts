import type { PageAction, PageSeverity } from '../../core/incident';
import { VERSION } from '../../core/version';
import type { HttpRequest } from '../http-post';
import { ntfyAuthorization, ntfyServer, type NtfyDestination } from './destination';

/**
 * A page action as one ntfy message, published in ntfy's JSON form
 * (https://docs.ntfy.sh/publish/#publish-as-json: POST to the server's root
 * with the topic in the body). The JSON form rather than the headers form
 * because titles carry node names and notes in any language: header values
 * are bytes that not every proxy passes as UTF-8, while a JSON body is UTF-8
 * by definition, with no RFC 2047 encoding to get right.
 *
 * ntfy has no incident to close: a resolve is a message of its own, at the
 * default priority, saying the node recovered.
 */
export function ntfyRequest(action: PageAction, destination: NtfyDestination): HttpRequest {
  const authorization = ntfyAuthorization(destination);
  const trigger = action.action === 'trigger';
  const message = {
    topic: destination.topic,
    title: action.summary,
    message: clipBytes(body(action), MAX_MESSAGE_BYTES),
    priority: trigger ? PRIORITIES[action.severity] : RESOLVED_PRIORITY,
    tags: [trigger ? 'rotating_light' : 'white_check_mark', 'nodegrid', action.problem],
    ...(action.link ? { click: action.link } : {}),
  };
  return {
    url: `${ntfyServer(destination)}/`,
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': `nodegrid/${VERSION}`, ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(message),
  };
}

/** ntfy's 5 (max/urgent) breaks through Do Not Disturb on Android; only critical pages earn it. */
export const PRIORITIES: Record<PageSeverity, 1 | 2 | 3 | 4 | 5> = { critical: 5, error: 4, warning: 3, info: 2 };
const RESOLVED_PRIORITY = 3;

/** ntfy's default message-size-limit: longer bodies become attachments, or are refused where attachments are off. */
export const MAX_MESSAGE_BYTES = 4096;

/** The details, one "name: value" line each; the summary (already the title) when there are none, as ntfy needs a body. */
function body(action: PageAction): string {
  const lines = Object.entries(action.details).map(([name, value]) => `${name}: ${value}`);
  return lines.length > 0 ? lines.join('\n') : action.summary;
}

/** Cut to whole characters within `max` UTF-8 bytes. */
function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let size = Buffer.byteLength('…');
  for (const char of text) {
    size += Buffer.byteLength(char);
    if (size > max) break;
    out += char;
  }
  return `${out}…`;
}
