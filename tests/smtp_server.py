"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests, with scripted replies per recipient."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Recorder:
    """Accepts mail and keeps it; `script[address]` holds replies to give that address first, in order.

    A scripted reply is an SMTP reply line ("451 4.3.0 try again later") given at RCPT time, or "drop",
    which hangs up in the middle of DATA.
    """

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.raw: list[bytes] = []  # each message as it came over the wire
        self.script: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            queue = self.script.get(address)
            reply = queue[0] if queue and queue[0] != "drop" else None
            if reply:
                queue.pop(0)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            for address in envelope.rcpt_tos:
                queue = self.script.get(address)
                if queue and queue[0] == "drop":
                    queue.pop(0)
                    server.transport.close()
                    return "421 4.4.2 connection dropped"
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
            self.raw.append(envelope.content)
        return "250 2.0.0 accepted"

    def count_by_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["To"]) for m in self.received)


class SmtpServer:
    def __init__(self, smtputf8: bool = False) -> None:
        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=0"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()
