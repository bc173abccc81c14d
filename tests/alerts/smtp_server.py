# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A real SMTP server on loopback for the notification tests: Debian's
aiosmtpd (python3-aiosmtpd). Every message it accepts is written to
OUTDIR/NNN.json as {"mail_from", "rcpt_tos", "data"} (data: the message as
received, CRLF line ends kept); the client's EHLO, MAIL, RCPT and AUTH
commands go to OUTDIR/commands.log, so a test can say what the client did.

  /usr/bin/python3 smtp_server.py PORTFILE OUTDIR [--auth]

--auth offers AUTH PLAIN/LOGIN without TLS (which a careful client must not
use). The port (127.0.0.1, chosen by the kernel) goes to PORTFILE.
"""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult

portfile, outdir = sys.argv[1], sys.argv[2]
offer_auth = "--auth" in sys.argv[3:]
os.makedirs(outdir, exist_ok=True)


def log_command(line):
    with open(os.path.join(outdir, "commands.log"), "a") as f:
        f.write(line + "\n")


class Recorder:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        log_command("EHLO " + hostname)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        log_command("MAIL FROM:<%s>" % address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        log_command("RCPT TO:<%s>" % address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(outdir) if f.endswith(".json")])
        path = os.path.join(outdir, "%03d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "data": envelope.original_content.decode("utf-8", "replace")}, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    log_command("AUTH " + mechanism)
    return AuthResult(success=True)


def make():
    if offer_auth:
        return SMTP(Recorder(), hostname="smtp.test", authenticator=authenticator,
                    auth_require_tls=False)
    return SMTP(Recorder(), hostname="smtp.test")


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(make, "127.0.0.1", 0)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    await srv.serve_forever()


asyncio.run(main())
