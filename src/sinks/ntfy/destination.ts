import { redactWebhookUrl } from '../redact-url';

/**
 * One ntfy destination as the config describes it: a server, a topic, and
 * the credentials a protected topic needs (a token, or a user and password;
 * none for an open topic). The paging sink's config schema is written from
 * this interface, so each field says what it means and its default.
 */
export interface NtfyDestination {
  /** The destination's name in the config ("phones"); messages say "ntfy:phones". Required. */
  readonly name: string;
  /** The ntfy server's base URL, e.g. a self-hosted "https://ntfy.example.com". Default "https://ntfy.sh". */
  readonly server?: string | undefined;
  /**
   * The topic to publish to: letters, digits, "_" and "-", at most 64 (ntfy's rule). Required.
   * On a server without access control the topic is the password (anyone who
   * knows it can read the pages), so it is treated as a secret: never printed whole.
   */
  readonly topic: string;
  /** An access token ("tk_…"), sent as `Authorization: Bearer …`. Secret. Default: none. */
  readonly token?: string | undefined;
  /** A user for `Authorization: Basic`, with `password`; ignored when `token` is set. Default: none. */
  readonly user?: string | undefined;
  /** The user's password. Secret. Default: none. */
  readonly password?: string | undefined;
}

export const NTFY_SERVER = 'https://ntfy.sh';

/** ntfy's documented topic rule: [-_A-Za-z0-9], at most 64 characters. */
export const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

export function ntfyServer(destination: NtfyDestination): string {
  return (destination.server ?? NTFY_SERVER).replace(/\/+$/, '');
}

/** The Authorization header's value, or undefined for an open topic. */
export function ntfyAuthorization(destination: NtfyDestination): string | undefined {
  if (destination.token) return `Bearer ${destination.token}`;
  if (destination.user !== undefined && destination.password !== undefined) return `Basic ${basicCredentials(destination.user, destination.password)}`;
  return undefined;
}

function basicCredentials(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}

/** What must never be printed: the token, the password (and the Basic credentials made of it), and the topic. */
export function ntfySecrets(destination: NtfyDestination): string[] {
  const out = [destination.topic];
  if (destination.token) out.push(destination.token);
  if (destination.password) out.push(destination.password);
  if (destination.user !== undefined && destination.password) out.push(basicCredentials(destination.user, destination.password));
  return out.filter(Boolean);
}

/** "ntfy:phones (https://ntfy.sh/****)": the server, not the topic. */
export function ntfyLabel(destination: NtfyDestination): string {
  return `ntfy:${destination.name} (${redactWebhookUrl(`${ntfyServer(destination)}/${destination.topic}`)})`;
}
