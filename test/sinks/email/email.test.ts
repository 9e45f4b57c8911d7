import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentKey, type PageAction } from '../../../src/core/incident';
import { createEmailAdapter } from '../../../src/sinks/email/adapter';
import { emailSecrets, type EmailDestination } from '../../../src/sinks/email/destination';
import { requireAiosmtpd, smtpPython, startSmtpServer, type SmtpServer, type SmtpServerOptions } from '../../helpers/smtp-server';

// No skip: without aiosmtpd these tests fail here, with the apt-get line to run.
requireAiosmtpd();

const USER = 'pager@nodegrid.test';
const PASSWORD = 'c0rrect-h0rse-battery';

const servers: SmtpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
async function smtpServer(options: Partial<SmtpServerOptions> = {}): Promise<SmtpServer> {
  const server = await startSmtpServer({ mode: 'starttls', user: USER, password: PASSWORD, ...options });
  servers.push(server);
  return server;
}

const node = { id: 'i-4e7cb59a', deployment: 'fed1', nodepart: 'db1', stacktype: 'lad1' };
function page(action: 'trigger' | 'resolve', id = node.id, problem = 'wedged'): PageAction {
  return {
    action,
    key: incidentKey(id, problem),
    node: { ...node, id },
    problem,
    summary: action === 'trigger' ? `${id}:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/work.sh exit 3` : `${id}:fed1/db1 is no longer wedged: now setup`,
    severity: 'critical',
    time: '2026-12-03T18:41:00.000Z',
    details: { state: action === 'trigger' ? 'wedged' : 'setup', note: 'bin/nodework/part/db1/work.sh exit 3' },
    link: `http://dash.example/#node/${id}`,
  };
}

function destination(server: SmtpServer, overrides: Partial<EmailDestination> = {}): EmailDestination {
  return { name: 'oncall', host: '127.0.0.1', port: server.port, user: USER, password: PASSWORD, from: 'nodegrid <pager@nodegrid.test>', to: ['oncall@ops.test', 'lead@ops.test'], caFile: server.caFile, ...overrides };
}
const send = (dest: EmailDestination, actions: PageAction[]) => createEmailAdapter(dest).send(actions, { timeoutMs: 10_000 });

describe('the SMTP test server, checked with Python’s smtplib', () => {
  it('refuses AUTH and MAIL before STARTTLS, then takes a login and a message over TLS', async () => {
    const server = await smtpServer();
    const script = `
import smtplib, ssl, sys
port, ca, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port)
s.ehlo()
print("auth-before-tls", s.has_extn("auth"))
print("mail-before-tls", s.mail("a@x.test")[0])
s.rset()
s.starttls(context=ssl.create_default_context(cafile=ca))
s.ehlo()
print("auth-after-tls", s.has_extn("auth"))
try:
    s.login(user, "wrong")
except smtplib.SMTPAuthenticationError as e:
    print("wrong-password", e.smtp_code)
s.login(user, password)
s.sendmail("a@x.test", ["b@x.test"], "Subject: hello\\r\\n\\r\\nbody\\r\\n")
s.quit()
`;
    const run = spawnSync(smtpPython(), ['-c', script, String(server.port), server.caFile, USER, PASSWORD], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['auth-before-tls False', 'mail-before-tls 530', 'auth-after-tls True', 'wrong-password 535']);
    expect(server.messages()).toMatchObject([{ mailFrom: 'a@x.test', rcptTos: ['b@x.test'], login: USER, subject: 'hello' }]);
    expect(server.messages()[0]!.text.trim()).toBe('body');
    expect(server.messages()[0]!.tls).toMatch(/^TLSv1\.[23]$/);
  });
});

describe('the email adapter', () => {
  it('sends a trigger and its resolve as two messages, over STARTTLS and logged in', async () => {
    const server = await smtpServer();
    expect(await send(destination(server), [page('trigger'), page('resolve')])).toEqual({ sent: 2 });

    const mails = server.messages();
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect(mail.tls).toMatch(/^TLSv1\.[23]$/);
      expect(mail).toMatchObject({ login: USER, mailFrom: 'pager@nodegrid.test', rcptTos: ['oncall@ops.test', 'lead@ops.test'] });
    }
    const logins = server.events().filter((e) => e.event === 'auth');
    expect(logins.length).toBeGreaterThan(0);
    for (const login of logins) expect(login).toMatchObject({ login: USER, success: true, tls: expect.stringMatching(/^TLS/) });

    const [trigger, resolve] = mails;
    expect(trigger!.subject).toBe('[nodegrid] TRIGGER i-4e7cb59a:fed1/db1 wedged');
    expect(trigger!.text).toContain('i-4e7cb59a:fed1/db1 wedged since 18:41 UTC: bin/nodework/part/db1/work.sh exit 3');
    expect(trigger!.text).toContain('state: wedged');
    expect(trigger!.text).toContain('note: bin/nodework/part/db1/work.sh exit 3');
    expect(trigger!.text).toContain('Dashboard: http://dash.example/#node/i-4e7cb59a');
    expect(trigger!.text).toContain('Incident: nodegrid/i-4e7cb59a/wedged');
    expect(trigger!.headers['x-nodegrid-incident']).toBe('nodegrid/i-4e7cb59a/wedged');
    expect(resolve!.subject).toBe('[nodegrid] RESOLVED i-4e7cb59a:fed1/db1 wedged');
    expect(resolve!.text).toContain('i-4e7cb59a:fed1/db1 is no longer wedged: now setup');
    // Both name the incident's thread, so a mail client shows the resolve under its trigger.
    expect(resolve!.headers.references).toBe(trigger!.headers.references);
    expect(trigger!.headers.references).toMatch(/^<[0-9a-f]{32}@incident\.nodegrid>$/);
  });

  it('sends a burst of 20 triggers as one digest that counts as all 20', async () => {
    const server = await smtpServer();
    const ids = Array.from({ length: 20 }, (_, i) => `i-${(0x1000 + i).toString(16)}`);
    expect(await send(destination(server), ids.map((id) => page('trigger', id)))).toEqual({ sent: 20 });

    const mails = server.messages();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^\[nodegrid\] 20 incidents opened: i-1000:fed1\/db1 wedged, i-1001:fed1\/db1 wedged, i-1002:fed1\/db1 wedged, …$/);
    for (const id of ids) expect(mails[0]!.text).toContain(`TRIGGER ${id}:fed1/db1 wedged since 18:41 UTC`);
    expect(mails[0]!.text.indexOf('i-1000:')).toBeLessThan(mails[0]!.text.indexOf('i-1013:'));
  });

  it('a batch of five triggers is still five messages (the digest starts above five)', async () => {
    const server = await smtpServer();
    const ids = Array.from({ length: 5 }, (_, i) => `i-${(0x2000 + i).toString(16)}`);
    expect(await send(destination(server), ids.map((id) => page('trigger', id)))).toEqual({ sent: 5 });
    expect(server.messages().map((m) => m.subject)).toEqual(ids.map((id) => `[nodegrid] TRIGGER ${id}:fed1/db1 wedged`));
  });

  it('a wrong password is a permanent failure naming the user, never the password', async () => {
    const server = await smtpServer();
    const wrong = 'Wr0ng-passw0rd-42';
    const result = await send(destination(server, { password: wrong }), [page('trigger')]);
    expect(result.sent).toBe(0);
    expect(result.failure?.permanent).toBe(true);
    expect(result.failure?.message).toContain('email:oncall (smtp://127.0.0.1:');
    expect(result.failure?.message).toContain(`SMTP server refused the login for user ${USER}`);
    expect(result.failure?.message).toContain('535');
    for (const secret of emailSecrets(destination(server, { password: wrong }))) expect(result.failure?.message).not.toContain(secret);
    expect(server.events().filter((e) => e.event === 'auth')).toMatchObject([{ login: USER, success: false }]);
    expect(server.messages()).toEqual([]);
  });

  it('a server that is down is a failure to retry, and the same actions go once it is back', async () => {
    const server = await smtpServer();
    await server.stop();
    const actions = [page('trigger'), page('resolve')];
    const down = await send(destination(server), actions);
    expect(down.sent).toBe(0);
    expect(down.failure?.permanent).toBeUndefined();
    expect(down.failure?.message).toMatch(/^email:oncall \(smtp:\/\/127\.0\.0\.1:\d+\): connection refused; will retry$/);

    await server.start();
    expect(await send(destination(server), actions)).toEqual({ sent: 2 });
    expect(server.messages().map((m) => m.subject)).toEqual(['[nodegrid] TRIGGER i-4e7cb59a:fed1/db1 wedged', '[nodegrid] RESOLVED i-4e7cb59a:fed1/db1 wedged']);
  });

  it('refuses a server without STARTTLS when starttls is configured: no login, no message in the clear', async () => {
    // This server offers AUTH in the clear and takes plaintext mail, as a misconfigured one does.
    const server = await smtpServer({ mode: 'plain' });
    const result = await send(destination(server), [page('trigger')]);
    expect(result.sent).toBe(0);
    expect(result.failure?.permanent).toBe(true);
    expect(result.failure?.message).toContain('does not offer STARTTLS');
    expect(result.failure?.message).toContain('nothing was sent in the clear');
    expect(server.events()).toEqual([]);
    expect(server.messages()).toEqual([]);

    // The same server does take mail from a client configured for plaintext, so the refusal above is the adapter's.
    expect(await send(destination(server, { tls: 'none', caFile: undefined }), [page('trigger')])).toEqual({ sent: 1 });
    expect(server.messages()).toMatchObject([{ tls: null, login: USER }]);
  });

  it('sends over implicit TLS (port 465 style)', async () => {
    const server = await smtpServer({ mode: 'implicit' });
    expect(await send(destination(server, { tls: 'implicit' }), [page('trigger')])).toEqual({ sent: 1 });
    expect(server.messages()[0]!.tls).toMatch(/^TLSv1\.[23]$/);
  });

  it('refuses a certificate it cannot verify (no caFile for a self-signed server), permanently', async () => {
    const server = await smtpServer();
    const result = await send(destination(server, { caFile: undefined }), [page('trigger')]);
    expect(result.failure?.permanent).toBe(true);
    expect(result.failure?.message).toMatch(/certificate does not verify \(\w+\); set caFile in paging\.destinations oncall/);
    expect(server.events()).toEqual([]);
  });

  it('a 4xx reply is retried, a 5xx on RCPT TO is permanent and names the recipients', async () => {
    const server = await smtpServer();
    server.script({ data: '451 4.3.0 Mail server temporarily rejected message' });
    const deferred = await send(destination(server), [page('trigger')]);
    expect(deferred).toMatchObject({ sent: 0, failure: { message: expect.stringContaining('451 4.3.0') } });
    expect(deferred.failure?.permanent).toBeUndefined();

    server.script({ rcpt: '550 5.1.1 Recipient address rejected: User unknown' });
    const refused = await send(destination(server), [page('trigger')]);
    expect(refused.sent).toBe(0);
    expect(refused.failure?.permanent).toBe(true);
    expect(refused.failure?.message).toContain('refused the recipients');
    expect(refused.failure?.message).toContain('check to in paging.destinations oncall');
    expect(server.messages()).toEqual([]);
  });

  it('counts sent from the front: the message before a deferral is sent, the rest go on the retry', async () => {
    const server = await smtpServer();
    server.script({ data: '452 4.3.1 Insufficient system storage', dataAfterMessages: 1 });
    const actions = [page('trigger', 'i-1'), page('trigger', 'i-2'), page('resolve', 'i-1')];
    const first = await send(destination(server), actions);
    expect(first.sent).toBe(1);
    expect(first.failure?.permanent).toBeUndefined();
    expect(first.failure?.message).toContain('452 4.3.1');

    server.script({});
    expect(await send(destination(server), actions.slice(first.sent))).toEqual({ sent: 2 });
    expect(server.messages().map((m) => m.subject)).toEqual(['[nodegrid] TRIGGER i-1:fed1/db1 wedged', '[nodegrid] TRIGGER i-2:fed1/db1 wedged', '[nodegrid] RESOLVED i-1:fed1/db1 wedged']);
  });

  it('a server that accepts the connection but never greets is a timeout to retry, and an aborted budget ends the wait', async () => {
    let connected: () => void = () => undefined;
    const silent = net.createServer(() => connected());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const dest: EmailDestination = { name: 'oncall', host: '127.0.0.1', port, from: 'pager@nodegrid.test', to: 'oncall@ops.test' };
      const timedOut = await createEmailAdapter(dest).send([page('trigger')], { timeoutMs: 300 });
      expect(timedOut).toEqual({ sent: 0, failure: { message: `email:oncall (smtp://127.0.0.1:${port}): the SMTP server did not answer in time; will retry` } });

      const budget = new AbortController();
      const reached = new Promise<void>((resolve) => (connected = resolve));
      const waiting = createEmailAdapter(dest).send([page('trigger')], { timeoutMs: 600_000, signal: budget.signal });
      // Aborted while nodemailer waits for the greeting, not before it dialled.
      await reached;
      budget.abort();
      expect(await waiting).toEqual({ sent: 0, failure: { message: `email:oncall (smtp://127.0.0.1:${port}): the delivery time budget ran out` } });
    } finally {
      silent.close();
    }
  });

  it('digests a mixed batch as one message, in order, when more than five incidents open', async () => {
    const server = await smtpServer();
    const ids = Array.from({ length: 6 }, (_, i) => `i-${(0x3000 + i).toString(16)}`);
    const actions = [...ids.map((id) => page('trigger', id)), page('resolve', 'i-3000')];
    expect(await send(destination(server), actions)).toEqual({ sent: 7 });
    const [digest] = server.messages();
    expect(server.messages()).toHaveLength(1);
    expect(digest!.subject).toBe('[nodegrid] 6 incidents opened, 1 resolved: i-3000:fed1/db1 wedged, i-3001:fed1/db1 wedged, i-3002:fed1/db1 wedged, …');
    expect(digest!.text.indexOf('TRIGGER i-3000:')).toBeLessThan(digest!.text.indexOf('RESOLVED i-3000:'));
  });
});
