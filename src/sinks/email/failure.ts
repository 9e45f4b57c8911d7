import { redactedSnippet } from '../redact-url';
import type { SinkFailure } from '../sink';
import type { EmailDestination } from './destination';
import { NETWORK_REASONS } from '../../core/network-reasons';

/**
 * What an SMTP failure means for delivery, from the reply code (RFC 5321
 * §4.2.1): 4xx is "try again later" wherever it comes; 5xx is the server's
 * final word, and on AUTH, MAIL FROM or RCPT TO it is the config's to fix (a
 * wrong password, a sender the server will not relay for, an address that does
 * not exist), so it is permanent. No connection, a timeout or a dropped
 * socket is an outage and is retried. Refusing STARTTLS when the config
 * requires it, or a certificate that does not verify, is permanent too:
 * sending anyway would put the password and the page on the wire in the clear
 * (the outbox still retries a few times before it sets the page aside).
 */
export interface SmtpErrorFacts {
  /** nodemailer's code: EAUTH, EENVELOPE, EMESSAGE, ETLS, ECONNECTION, ESOCKET, ETIMEDOUT, EDNS … */
  readonly code?: string | undefined;
  /** The socket's own code under nodemailer's (ECONNREFUSED, CERT_HAS_EXPIRED …). */
  readonly originalCode?: string | undefined;
  readonly responseCode?: number | undefined;
  /** The SMTP command the reply answered: "AUTH PLAIN", "MAIL FROM", "RCPT TO", "DATA", "STARTTLS", "CONN". */
  readonly command?: string | undefined;
  /** The server's reply text, "535 5.7.8 Authentication credentials invalid". */
  readonly response?: string | undefined;
}

export interface FailureContext {
  readonly label: string;
  readonly destination: EmailDestination;
  readonly secrets: readonly string[];
}

const REPLY_SNIPPET = 160;

export function smtpErrorFacts(error: unknown): SmtpErrorFacts {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    code: text(e.code),
    originalCode: text(e.originalCode),
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
    command: text(e.command),
    response: text(e.response),
  };
}

export function classifySmtpFailure(facts: SmtpErrorFacts, context: FailureContext): SinkFailure {
  const { label, destination } = context;
  const reply = facts.response ? ` (${redactedSnippet(facts.response, context.secrets, REPLY_SNIPPET)})` : '';
  const where = `paging.destinations ${destination.name}`;
  const code = facts.responseCode;
  const command = facts.command ?? '';

  if (facts.code === 'ETLS' || isCertificateCode(facts.originalCode)) {
    // A server without TLS answers STARTTLS with 502 (Postfix) or 454 (aiosmtpd, "TLS not available"):
    // either way the config says TLS and the server will not, which only a person can fix.
    if (command === 'STARTTLS') {
      return { message: `${label}: the SMTP server does not offer STARTTLS${reply}, which ${where} requires; nothing was sent in the clear. Enable STARTTLS on the server, use tls: implicit for a port-465 server, or tls: none only for a trusted local relay`, permanent: true };
    }
    if (isCertificateCode(facts.originalCode)) {
      return { message: `${label}: the SMTP server's certificate does not verify (${facts.originalCode}); set caFile in ${where} to the CA that signed it, or fix the server's certificate`, permanent: true };
    }
    return { message: `${label}: the TLS handshake failed${facts.originalCode ? ` (${facts.originalCode})` : ''}${reply}; will retry` };
  }

  if (code !== undefined && code >= 400 && code < 500) return { message: `${label}: the SMTP server deferred ${commandName(command)}${reply}; will retry` };

  if (facts.code === 'EAUTH' || command.startsWith('AUTH')) {
    const who = destination.user ? `the login for user ${destination.user}` : 'the login';
    if (code === 538 || code === 530) return { message: `${label}: the SMTP server refused ${who} without encryption${reply}; use tls: starttls or implicit in ${where}`, permanent: true };
    return { message: `${label}: SMTP server refused ${who}${reply}; check user and password in ${where}`, permanent: true };
  }
  if (code === 530) return { message: `${label}: the SMTP server wants a login before it takes mail${reply}; set user and password in ${where}`, permanent: true };
  if (command === 'MAIL FROM' && (code === undefined || code >= 500)) {
    return { message: `${label}: the SMTP server refused the sender ${destination.from}${reply}; check from (and that the login may send as it) in ${where}`, permanent: true };
  }
  if (command === 'RCPT TO' && (code === undefined || code >= 500)) {
    return { message: `${label}: the SMTP server refused the recipients${reply}; check to in ${where}`, permanent: true };
  }
  if (facts.code === 'EENVELOPE') return { message: `${label}: the message's addresses are not valid${reply}; check from and to in ${where}`, permanent: true };
  if (code !== undefined && code >= 500) return { message: `${label}: the SMTP server refused ${commandName(command)}${reply}; check ${where}`, permanent: true };

  return { message: `${label}: ${networkReason(facts)}; will retry` };
}

function commandName(command: string): string {
  if (command === '' || command === 'CONN') return 'the connection';
  if (command === 'DATA') return 'the message';
  return command;
}

function isCertificateCode(code: string | undefined): boolean {
  return code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME|ERR_TLS_CERT/.test(code);
}


/** The socket's code when there is one (a fixed phrase: socket messages name hosts and ports), else nodemailer's. */
function networkReason(facts: SmtpErrorFacts): string {
  const socketCode = facts.originalCode;
  if (socketCode && NETWORK_REASONS[socketCode]) return NETWORK_REASONS[socketCode];
  if (facts.code === 'ETIMEDOUT') return 'the SMTP server did not answer in time';
  if (facts.code === 'ECONNECTION') return 'the SMTP server closed the connection';
  if (facts.code === 'EDNS') return 'the SMTP host name did not resolve';
  if (facts.code === 'ESOCKET') return `the connection failed${socketCode ? ` (${socketCode})` : ''}`;
  if (facts.code === 'EPROTOCOL') return 'the SMTP server answered something that is not SMTP';
  return `sending failed${facts.code ? ` (${facts.code})` : ''}`;
}
