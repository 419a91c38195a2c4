#!/usr/bin/python3
"""A real SMTP server for keydesk's tests (Debian's python3-aiosmtpd) on a free loopback port.

    smtp_sink.py DIR [PORT]

Listens on PORT (default 0: a free one) and writes the port to DIR/port, then records every message it accepts as
DIR/msg-NNNN.json: the envelope (mail_from, rcpt_tos) and the message as a mail client reads
it (subject decoded from RFC 2047, body decoded to text, Message-ID, Date, From, To).
What it answers is read from DIR/mode before every command, so a test can change it while the
server runs:
    ok        accept everything (default)
    reject    550 to every RCPT TO (a permanent failure)
    tempfail  451 to every RCPT TO (a temporary failure)
    hang      accept, but hold the answer to DATA for 30 s (a client killed meanwhile has
              sent the message without learning that it arrived)
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP

DIR = sys.argv[1]


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


class Recorder:
    count = 0

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
        }
        path = os.path.join(DIR, "msg-%04d.json" % Recorder.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        if mode() == "hang":
            await asyncio.sleep(30)
        return "250 Message accepted"


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Recorder()
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, hostname="sink.test"), "127.0.0.1",
                           int(sys.argv[2]) if len(sys.argv) > 2 else 0))
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    loop.run_forever()


if __name__ == "__main__":
    main()
