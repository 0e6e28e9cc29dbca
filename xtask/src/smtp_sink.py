"""An aiosmtpd handler for `cargo xtask mail`: every message it accepts is written, parsed
by Python's email package, as one JSON file (to, subject, text, html) into the folder
given as its argument. While a file named `hold` exists in that folder, it waits before
accepting a recipient: a slow server, so a worker can be caught in the middle of a job.
While a file named `stall` exists, it receives the message and then never answers (until
the file is gone): a server that stalls after DATA.

    python -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink FOLDER
"""

import asyncio
import email
import email.policy
import json
import os
import time


class Sink:
    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink takes one argument: the folder for received mail")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        while os.path.exists(os.path.join(self.folder, "hold")):
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        while os.path.exists(os.path.join(self.folder, "stall")):
            await asyncio.sleep(0.05)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for kind in ("plain", "html"):
            body = message.get_body(preferencelist=(kind,))
            parts[kind] = body.get_content() if body is not None else None
        record = {
            "envelope_to": envelope.rcpt_tos,
            "to": str(message["To"]),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "text": parts["plain"],
            "html": parts["html"],
        }
        name = os.path.join(self.folder, f"{time.time_ns()}.json")
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"
