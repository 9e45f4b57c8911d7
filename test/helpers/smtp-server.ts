import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real SMTP server on 127.0.0.1 for the email adapter: smtp-server.py
 * (Debian's python3-aiosmtpd) started as a child process. It records the
 * sessions' AUTH/MAIL/RCPT and every accepted message to files this side
 * reads, can be scripted to refuse (4xx/5xx on MAIL, RCPT or DATA), and can
 * be stopped and started again on the same port to play an outage.
 */
export type SmtpMode = 'starttls' | 'implicit' | 'plain';

export interface SmtpServerOptions {
  readonly mode: SmtpMode;
  /** AUTH LOGIN/PLAIN accepts only this pair; without it the server offers no AUTH. */
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTos: string[];
  /** The login of the session that sent it, null when none. */
  readonly login: string | null;
  /** "TLSv1.3" when the session was encrypted, null when not. */
  readonly tls: string | null;
  /** The Subject as Python's email parser decodes it. */
  readonly subject: string;
  /** Every header, lower-cased name to decoded value (the last one of a name). */
  readonly headers: Record<string, string>;
  /** The text/plain body, transfer encoding undone. */
  readonly text: string;
  /** The raw message: headers, blank line, body. */
  readonly data: string;
}

export interface SmtpEvent {
  readonly event: 'auth' | 'mail' | 'rcpt' | 'data-refused';
  readonly tls: string | null;
  readonly login?: string | null;
  readonly success?: boolean;
  readonly mechanism?: string;
  readonly address?: string;
}

/** Replies the server gives instead of "250 OK": "451 4.3.0 try later", "550 5.1.1 no such user". */
export interface SmtpScript {
  readonly mail?: string;
  readonly rcpt?: string;
  readonly data?: string;
  /** Refuse DATA only once this many messages were taken in all (default 0: at once). */
  readonly dataAfterMessages?: number;
}

export interface SmtpServer {
  readonly port: number;
  /** The self-signed certificate (PEM) the server presents; the adapter's caFile. */
  readonly caFile: string;
  messages(): ReceivedMail[];
  events(): SmtpEvent[];
  script(replies: SmtpScript): void;
  stop(): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./smtp-server.py', import.meta.url));

/**
 * Debian's python3 first: aiosmtpd is installed for it, and a python3 earlier
 * on PATH (pyenv) would not see the package.
 */
export function smtpPython(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Throws the line to act on when aiosmtpd is missing: these tests never skip silently. */
export function requireAiosmtpd(): void {
  const probe = spawnSync(smtpPython(), ['-c', 'import aiosmtpd'], { stdio: 'pipe' });
  if (probe.status !== 0) {
    throw new Error(`the email adapter's tests need a real SMTP server: aiosmtpd for ${smtpPython()} is missing (apt-get install -y python3-aiosmtpd)`);
  }
}

/** A self-signed certificate for 127.0.0.1 (and smtp.nodegrid.test), made by openssl for this server only. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=smtp.nodegrid.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:smtp.nodegrid.test'],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpServer> {
  requireAiosmtpd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-smtp-'));
  const { cert, key } = makeCertificate(dir);
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async (): Promise<void> => {
    const args = [SCRIPT, dir, '--mode', options.mode, '--cert', cert, '--key', key, '--port', String(port)];
    if (options.user !== undefined) args.push('--user', options.user, '--password', options.password ?? '');
    const proc = spawn(smtpPython(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    port = await readyPort(proc);
  };

  const readJsonLines = <T>(name: string): T[] => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as T);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc?.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  };

  await launch();
  return {
    get port() {
      return port;
    },
    caFile: cert,
    messages: () => readJsonLines<ReceivedMail>('messages.jsonl'),
    events: () => readJsonLines<SmtpEvent>('events.jsonl'),
    script: (replies) => fs.writeFileSync(path.join(dir, 'script.json'), JSON.stringify(replies)),
    stop,
    start: launch,
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for "READY <port>"; an early exit fails with what the server said. */
function readyPort(proc: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const ready = /READY (\d+)/.exec(out);
      if (ready) resolve(Number(ready[1]));
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    proc.once('exit', (code) => reject(new Error(`smtp-server.py exited with ${code} before it was ready: ${out}${err}`.trim())));
  });
}
