/**
 * Email as a pager: SMTP submission to a mail server the operator runs or
 * rents (Postfix, Exchange, SES's SMTP endpoint, Mailgun …). The fields are
 * what `paging.destinations` holds for `type: email`.
 */
export interface EmailDestination {
  /** The destination's name in the config (queue `page:<name>`), used in messages. */
  readonly name: string;
  /** The SMTP server's host name or address. Required. */
  readonly host: string;
  /** Default 587 (submission), or 465 with `tls: 'implicit'`. */
  readonly port?: number | undefined;
  /**
   * How the connection is encrypted. `starttls` (default): plain connect, then
   * STARTTLS, which is REQUIRED: a server that does not offer it is refused
   * before any login or message is sent. `implicit`: TLS from the first byte
   * (port 465, "SMTPS"). `none`: no encryption at all (a relay on localhost).
   * Certificates are always verified, against the system's CAs or `caFile`.
   */
  readonly tls?: EmailTls | undefined;
  /** Login for SMTP AUTH (PLAIN or LOGIN, as the server offers); no login when unset. */
  readonly user?: string | undefined;
  /** The login's password. Secret. Required with `user`. */
  readonly password?: string | undefined;
  /** The From: address, "nodegrid <pager@example.com>" or a bare address. Required. */
  readonly from: string;
  /** One or more recipients. Required, at least one. */
  readonly to: string | readonly string[];
  /** Path to a PEM file of CA certificates to trust for this server (a private CA, a self-signed server); default the system's CAs. */
  readonly caFile?: string | undefined;
  /** One SMTP exchange (connect, greeting, each command) may take this long, in ms; default the delivery's per-request timeout. */
  readonly timeoutMs?: number | undefined;
}

export type EmailTls = 'starttls' | 'implicit' | 'none';

export const SUBMISSION_PORT = 587;
export const SMTPS_PORT = 465;

export function emailPort(destination: EmailDestination): number {
  return destination.port ?? ((destination.tls ?? 'starttls') === 'implicit' ? SMTPS_PORT : SUBMISSION_PORT);
}

export function emailRecipients(destination: EmailDestination): string[] {
  return typeof destination.to === 'string' ? [destination.to] : [...destination.to];
}

/** The password, and the forms it travels in on the wire (AUTH PLAIN and LOGIN send it base64'd), should a server echo one. */
export function emailSecrets(destination: EmailDestination): string[] {
  const password = destination.password;
  if (password === undefined || password === '') return [];
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  return [password, base64(password), base64(`\u0000${destination.user ?? ''}\u0000${password}`)];
}

/** "email:oncall (smtp://mail.example.com:587)": how messages name the destination. */
export function emailLabel(destination: EmailDestination): string {
  const scheme = (destination.tls ?? 'starttls') === 'implicit' ? 'smtps' : 'smtp';
  const host = destination.host.includes(':') ? `[${destination.host}]` : destination.host;
  return `email:${destination.name} (${scheme}://${host}:${emailPort(destination)})`;
}
