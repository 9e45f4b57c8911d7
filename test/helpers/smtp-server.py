"""A real SMTP server on 127.0.0.1 for the email adapter's tests: aiosmtpd
(Debian's python3-aiosmtpd), the same library many Python projects use to
receive mail, configured as a mail submission server is (RFC 6409):

  smtp-server.py DIR --mode starttls|implicit|plain --cert PEM --key PEM
                 [--port N] [--user U --password P]

starttls: offers STARTTLS and refuses everything but EHLO/NOOP/QUIT before it
(require_starttls); AUTH only over TLS (auth_require_tls). implicit: TLS from
the first byte (port 465 style). plain: no TLS at all, and AUTH allowed in
the clear, so a client that would send a password or a page without TLS does.

What it saw goes to DIR as JSON lines: events.jsonl (each AUTH, MAIL FROM and
RCPT TO, with whether the session was encrypted) and messages.jsonl (each
accepted message: envelope, login, TLS version, the raw message). DIR/script.json,
read at every command, scripts refusals: {"mail": "451 …", "rcpt": "550 …",
"data": "452 …", "dataAfterMessages": N} (DATA is refused only once N messages
were taken). Prints "READY <port>" once it accepts connections.
"""

import argparse
import email
import email.policy
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    print("NO-AIOSMTPD aiosmtpd is not installed (apt-get install python3-aiosmtpd)", flush=True)
    sys.exit(3)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Appends what the server saw; one lock, since aiosmtpd answers on its own thread."""

    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()

    def append(self, name, record):
        with self.lock:
            with open(os.path.join(self.folder, name), "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def count(self, name):
        try:
            with open(os.path.join(self.folder, name), encoding="utf-8") as f:
                return sum(1 for line in f if line.strip())
        except FileNotFoundError:
            return 0

    def scripted(self, command):
        try:
            with open(os.path.join(self.folder, "script.json"), encoding="utf-8") as f:
                return json.load(f).get(command)
        except FileNotFoundError:
            return None


def tls_version(server):
    ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
    return ssl_object.version() if ssl_object else None


def login_of(session):
    """The login a successful AUTH recorded (the authenticator keeps only the name)."""
    return session.auth_data if isinstance(session.auth_data, str) else None


class Handler:
    def __init__(self, recorder):
        self.recorder = recorder

    def event(self, server, session, kind, **fields):
        self.recorder.append("events.jsonl", {"event": kind, "tls": tls_version(server), "login": login_of(session), **fields})

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.event(server, session, "mail", address=address)
        refusal = self.recorder.scripted("mail")
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.event(server, session, "rcpt", address=address)
        refusal = self.recorder.scripted("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.recorder.scripted("data")
        if refusal and self.recorder.count("messages.jsonl") >= (self.recorder.scripted("dataAfterMessages") or 0):
            self.event(server, session, "data-refused", reply=refusal)
            return refusal
        content = envelope.original_content or envelope.content or b""
        # Python's own MIME parser reads what nodemailer wrote: headers unfolded and decoded, the text part decoded.
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        self.recorder.append(
            "messages.jsonl",
            {
                "mailFrom": envelope.mail_from,
                "rcptTos": envelope.rcpt_tos,
                "login": login_of(session),
                "tls": tls_version(server),
                "subject": str(parsed["subject"] or ""),
                "headers": {name.lower(): str(value) for name, value in parsed.items()},
                "text": body.get_content() if body is not None else "",
                "data": content.decode("utf-8", "replace"),
            },
        )
        return "250 Message accepted for delivery"


def authenticator_for(recorder, user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        login = auth_data.login.decode("utf-8", "replace") if isinstance(auth_data, LoginPassword) else None
        recorder.append("events.jsonl", {"event": "auth", "mechanism": mechanism, "login": login, "success": ok, "tls": tls_version(server)})
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    return authenticate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--mode", choices=["starttls", "implicit", "plain"], default="starttls")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    # aiosmtpd warns on every login about its own deprecated login_data.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    recorder = Recorder(args.folder)
    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    options = {"hostname": "127.0.0.1", "port": args.port or free_port(), "server_hostname": "smtp.nodegrid.test"}
    if args.user:
        options["authenticator"] = authenticator_for(recorder, args.user, args.password)
    if args.mode == "starttls":
        options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    elif args.mode == "implicit":
        options.update(ssl_context=context, auth_require_tls=True)
    else:
        options.update(auth_require_tls=False)

    controller = Controller(Handler(recorder), **options)
    controller.start()
    print(f"READY {controller.port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
