import type { ChatDestinationConfig } from '../../config/schema';
import { severityRank, type Severity } from '../../core/lifecycle';
import { redactWebhookUrl, urlSecrets } from '../redact-url';

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

/**
 * A destination's routing filters: severity at or above minSeverity, then the
 * optional state and deployment lists. Node events (acceptsEvent) and the
 * monitor's grid digests are routed by this one rule.
 */
export function matchesRoute(destination: ChatDestinationConfig, what: { severity: Severity; state: string | null; deployment: string | undefined }): boolean {
  if (severityRank(what.severity) < severityRank(destination.minSeverity)) return false;
  if (destination.states && !(what.state !== null && destination.states.includes(what.state))) return false;
  if (destination.deployments && !(what.deployment !== undefined && destination.deployments.includes(what.deployment))) return false;
  return true;
}
