import type { ChatDestinationConfig } from '../../config/schema';
import { VERSION } from '../../core/version';
import type { HttpRequest } from '../http-post';
import type { ChatMessage } from './message';

/**
 * The one interface every chat service implements: shape a message as that
 * service's documented payload. Sending, classifying answers and rate limits
 * are shared (http.ts, ratelimit.ts), so adding a service is its adapter file
 * here, its name in the config's `type` list (config/sections/chat.ts) and
 * its line in adapters.ts; the compiler points at each.
 */
export type ChatRequest = HttpRequest;

export interface ChatAdapter {
  format(message: ChatMessage, destination: ChatDestinationConfig, now: Date): ChatRequest;
}

export function jsonHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', 'user-agent': `nodegrid/${VERSION}`, ...extra };
}
