#!/usr/bin/python3
"""A real SMTP server for keydesk's tests (Debian's python3-aiosmtpd) on a free loopback port.

    smtp_sink.py DIR [PORT] [--tls starttls|smtps]

Listens on PORT (default 0: a free one) and writes the port to DIR/port, then records every message it accepts as
DIR/msg-NNNN.json: the envelope (mail_from, rcpt_tos) and the message as a mail client reads
it (subject decoded from RFC 2047, body decoded to text, Message-ID, Date, From, To), and how it
came: whether over TLS (tls, tls_version; starttls when upgraded by STARTTLS) and as which user
(authenticated, auth_user, auth_mechanism).
What it answers is read from DIR/mode before every command, so a test can change it while the
server runs:
    ok        accept everything (default)
    reject    550 to every RCPT TO (a permanent failure)
    tempfail  451 to every RCPT TO (a temporary failure)
    hang      accept, but hold the answer to DATA for 30 s (a client killed meanwhile has
              sent the message without learning that it arrived)

--tls starttls offers STARTTLS, --tls smtps speaks TLS from the first byte (implicit TLS), both
with the certificate DIR/cert.pem (key DIR/key.pem): self-signed for 127.0.0.1 and localhost,
made with the openssl command at the first start and kept across restarts; a client trusts it
by taking DIR/cert.pem as its CA file.

When DIR/login exists (read at each connection: a user name line, a password line, and
optionally a line naming the one mechanism to offer, LOGIN or PLAIN), a login is required:
AUTH LOGIN and PLAIN check that user and password, MAIL FROM without a login is answered 530,
and AUTH is offered and accepted only over TLS (auth_require_tls), so credentials never travel
in clear text. Without DIR/login no login is required, and none succeeds.
"""
import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import ssl
import subprocess

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("port", nargs="?", type=int, default=0)
parser.add_argument("--tls", choices=["none", "starttls", "smtps"], default="none")
args = parser.parse_args()
DIR = args.dir


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def login():
    """(user, password, mechanisms) of DIR/login, or None when no login is required."""
    try:
        with open(os.path.join(DIR, "login"), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    mechanisms = {lines[2].strip().upper()} if len(lines) > 2 and lines[2].strip() else {
        "LOGIN", "PLAIN"}
    return lines[0], lines[1] if len(lines) > 1 else "", mechanisms


def tls_context():
    """The server's TLS context, with its self-signed certificate made on first use."""
    cert, key = os.path.join(DIR, "cert.pem"), os.path.join(DIR, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", key, "-out", cert + ".tmp"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.rename(cert + ".tmp", cert)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Authenticator:
    """Checks AUTH LOGIN and PLAIN against DIR/login; the user and mechanism go to auth_data."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        expected = login()
        if expected is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password, _ = expected
        ok = (auth_data.login.decode("utf-8", "replace") == user
              and auth_data.password.decode("utf-8", "replace") == password)
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data={"user": user, "mechanism": mechanism})


class Recorder:
    count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if login() is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        m = mode()
        if m == "reject":
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if m == "tempfail":
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        Recorder.count += 1
        # The transport the message came over: TLS from the start (smtps) or after STARTTLS
        # (session.ssl is set only then) both carry an SSL object.
        ssl_object = server.transport.get_extra_info("ssl_object")
        auth = session.auth_data if session.authenticated else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "raw_subject": msg.get("subject", "") and envelope.original_content.decode(
                "ascii", "replace").split("\r\nSubject: ", 1)[-1].split("\r\n", 1)[0],
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "date": str(msg["date"]),
            "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_content(),
            "tls": ssl_object is not None,
            "tls_version": ssl_object.version() if ssl_object is not None else None,
            "starttls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "auth_user": auth["user"] if auth else None,
            "auth_mechanism": auth["mechanism"] if auth else None,
        }
        path = os.path.join(DIR, "msg-%04d.json" % Recorder.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        if mode() == "hang":
            await asyncio.sleep(30)
        return "250 Message accepted"


def main():
    # aiosmtpd's log (refused handshakes, dropped connections) goes to a file, not the tests'
    # output.
    logging.basicConfig(filename=os.path.join(DIR, "sink.log"), level=logging.INFO)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Recorder()
    context = tls_context() if args.tls != "none" else None

    def session():
        expected = login()
        mechanisms = expected[2] if expected else {"LOGIN", "PLAIN"}
        return SMTP(handler, hostname="sink.test", loop=loop,
                    tls_context=context if args.tls == "starttls" else None,
                    authenticator=Authenticator(),
                    auth_exclude_mechanism={"LOGIN", "PLAIN"} - mechanisms,
                    # On the smtps socket every connection is TLS from its first byte, which
                    # aiosmtpd 1.4 cannot see (it knows only of STARTTLS): AUTH is allowed there.
                    auth_require_tls=args.tls != "smtps")

    server = loop.run_until_complete(
        loop.create_server(session, "127.0.0.1", args.port,
                           ssl=context if args.tls == "smtps" else None))
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    loop.run_forever()


if __name__ == "__main__":
    main()
