import type { ChatDestinationConfig } from '../../config/schema';
import { redactWebhookUrl, urlSecrets } from './redact';

/** The URL's secret parts, the HipChat token, the webhook signing secret. */
export function destinationSecrets(destination: ChatDestinationConfig): string[] {
  return [...urlSecrets(destination.url), destination.token, destination.secret].filter((value): value is string => value !== undefined && value.length >= 6);
}

/** "chat:ops (slack https://hooks.slack.com/services/T…/****)": how every message names a destination. */
export function destinationLabel(destination: ChatDestinationConfig): string {
  return `chat:${destination.name} (${destination.type} ${redactWebhookUrl(destination.url)})`;
}

/** Slack and most services take about one post per second per webhook; a machine webhook needs no pacing. */
export function minIntervalMs(destination: ChatDestinationConfig): number {
  return (destination.minIntervalSeconds ?? (destination.type === 'webhook' ? 0 : 1)) * 1000;
}
