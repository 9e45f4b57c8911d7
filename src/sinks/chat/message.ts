import { describeEvent, type NodeEvent } from '../../core/event';
import type { Color, Severity } from '../../core/lifecycle';

/**
 * What one chat post says, before any service's format: plain, unescaped
 * text. Each adapter escapes and shapes it for its service.
 */
export interface ChatMessage {
  readonly kind: 'event' | 'digest' | 'grid-digest' | 'test';
  /** The one line people read first: "i-5e7ab38a:fed1/app1: setup -> initdone (note)". */
  readonly title: string;
  /** Detail lines under it (a digest's changes, the time). */
  readonly lines: readonly string[];
  readonly color: Color;
  readonly severity: Severity;
  /** The events the post carries (the webhook type sends them whole); none for tests and grid digests. */
  readonly events: readonly NodeEvent[];
  /** ISO time the message is about. */
  readonly time: string;
}

/** Hex colours of the lifecycle colours (SPEC §4.3): green good, yellow in progress, red wedged, purple/gray leaving. */
export const COLOR_HEX: Record<Color, string> = {
  green: '#2eb886',
  yellow: '#daa038',
  red: '#d40e0d',
  purple: '#7b4fa1',
  gray: '#9e9e9e',
};

export function eventMessage(event: NodeEvent): ChatMessage {
  return {
    kind: 'event',
    title: describeEvent(event),
    lines: [eventDetails(event)],
    color: event.color,
    severity: event.severity,
    events: [event],
    time: event.time,
  };
}

/** "state wedged · critical · 2015-10-08 17:48:30 UTC" */
export function eventDetails(event: NodeEvent): string {
  return [event.kind === 'notify' ? 'message' : `state ${event.state ?? 'none'}`, event.severity, utcTime(event.time)].join(' · ');
}

export function testMessage(label: string, destination: string, now: Date): ChatMessage {
  return {
    kind: 'test',
    title: `${label}: nodegrid chat test for destination ${destination}`,
    lines: [`If you can read this, chat:${destination} works. ${utcTime(now.toISOString())}`],
    color: 'green',
    severity: 'chatty',
    events: [],
    time: now.toISOString(),
  };
}

/** "2015-10-08 17:48:30 UTC" */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Cuts text to `max` characters, saying so, for services with length limits. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' … (cut)';
  return text.slice(0, Math.max(0, max - marker.length)) + marker;
}
