import fs from 'node:fs/promises';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { PageAction } from '../../core/incident';
import type { PagingAdapter, PagingSendOptions, PagingSendResult } from '../paging-adapter';
import type { SinkFailure } from '../sink';
import { emailLabel, emailPort, emailRecipients, emailSecrets, type EmailDestination } from './destination';
import { classifySmtpFailure, smtpErrorFacts } from './failure';
import { planMessages, type EmailMessage } from './message';

/**
 * Email through SMTP submission, with nodemailer (loaded on the first send:
 * a node that never pages never parses it). One connection per send(),
 * shared by its messages and closed at the end: pages come rarely, and a
 * connection kept open would only be dropped by the server in between.
 */
export function createEmailAdapter(destination: EmailDestination, secrets: readonly string[] = []): PagingAdapter {
  const label = emailLabel(destination);
  const context = { label, destination, secrets: [...emailSecrets(destination), ...secrets] };
  return {
    label,
    async send(actions: readonly PageAction[], options: PagingSendOptions): Promise<PagingSendResult> {
      if (actions.length === 0) return { sent: 0 };
      const budgetOut: SinkFailure = { message: `${label}: the delivery time budget ran out` };
      if (options.signal?.aborted) return { sent: 0, failure: budgetOut };
      let ca: string | undefined;
      try {
        ca = destination.caFile === undefined ? undefined : await fs.readFile(destination.caFile, 'utf8');
      } catch (error) {
        const why = (error as { code?: unknown }).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
        return { sent: 0, failure: { message: `${label}: caFile ${destination.caFile} ${why}; fix paging.destinations ${destination.name}'s caFile`, permanent: true } };
      }
      const transport = await openTransport(destination, ca, destination.timeoutMs ?? options.timeoutMs);
      let sent = 0;
      try {
        for (const message of planMessages(actions)) {
          try {
            await sendOne(transport, destination, message, options.signal);
          } catch (error) {
            if (options.signal?.aborted) return { sent, failure: budgetOut };
            return { sent, failure: classifySmtpFailure(smtpErrorFacts(error), context) };
          }
          sent += message.covers;
        }
        return { sent };
      } finally {
        transport.close();
      }
    },
  };
}

async function openTransport(destination: EmailDestination, ca: string | undefined, timeoutMs: number): Promise<Transporter<SMTPPool.SentMessageInfo>> {
  const nodemailer = (await import('nodemailer')).default;
  const tls = destination.tls ?? 'starttls';
  return nodemailer.createTransport({
    pool: true,
    maxConnections: 1,
    host: destination.host,
    port: emailPort(destination),
    secure: tls === 'implicit',
    // requireTLS fails the session when STARTTLS is not offered or fails, before AUTH or MAIL: never a fallback to plaintext.
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    ...(destination.user !== undefined ? { auth: { user: destination.user, pass: destination.password ?? '' } } : {}),
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(ca !== undefined ? { ca } : {}) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // The message is our own text; nothing in it may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });
}

/** One message; an abort (the delivery budget) closes the connection rather than waiting for the server. */
async function sendOne(transport: Transporter<SMTPPool.SentMessageInfo>, destination: EmailDestination, message: EmailMessage, signal: AbortSignal | undefined): Promise<void> {
  const sending = transport.sendMail({
    from: destination.from,
    to: emailRecipients(destination),
    subject: message.subject,
    text: message.text,
    headers: { ...message.headers },
    priority: message.priority,
  });
  if (!signal) {
    await sending;
    return;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      transport.close();
      reject(new Error('aborted'));
    };
    // The budget may have run out while nodemailer loaded: an abort event already past never fires again.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // The closed connection rejects the send later; that answer is no longer anyone's.
  sending.catch(() => undefined);
  try {
    await Promise.race([sending, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
