"""Customers' replies by SMTP: `notify serve` listens where [inbound] smtp says (behind the
operator's MX) and files each message with its incident (review.replies). Only our own domain's
addresses are accepted, messages are bounded in size, and one client may send only so many an hour."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiosmtpd.controller import Controller

from notify.errors import InputError
from notify.record.inbound_mail import MAX_MESSAGE
from notify.review import replies
from notify.store import rate_limits
from notify.store.rate_limits import Limit

MESSAGES_PER_CLIENT = Limit(600, 3600)
log = logging.getLogger("notify.inbound")


class ReplyHandler:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.domain = str(app.state.config.inbound.address or "").rpartition("@")[2].casefold()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.rpartition("@")[2].casefold() != self.domain:
            return "550 5.1.1 no such mailbox here"
        peer = session.peer[0] if session.peer else "unknown"
        wait = await asyncio.to_thread(self._limited, peer)
        if wait:
            return "451 4.7.1 too many messages from you; try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _limited(self, peer: str) -> float:
        store = self.app.state.stores.review().store
        return rate_limits.take(store, f"inbound:{peer}", MESSAGES_PER_CLIENT, time.time())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        state = self.app.state
        try:
            await asyncio.to_thread(
                _receive, state, envelope.original_content or envelope.content, list(envelope.rcpt_tos)
            )
        except Exception as exc:  # the store is busy or down: the sending server keeps it and tries again
            log.warning("reply not filed (%s); answered 451 so the sender retries", type(exc).__name__)
            return "451 4.3.0 not filed yet; try again later"
        return "250 2.0.0 received"


def _receive(state: Any, raw: bytes, recipients: list[str]) -> None:
    """In a worker thread, with that thread's own store connection."""
    replies.receive(state.stores.review(), state.secret, raw, recipients, state.config.inbound.retention_days)


def listener(app: Any) -> Controller | None:
    """The SMTP server for replies, when notify.toml asks for one (not yet started)."""
    where = app.state.config.inbound.smtp
    if not where:
        return None
    if not app.state.config.inbound.address:
        raise InputError("[inbound] smtp needs the address replies go to", field="inbound.address",
                         hint='address = "reply@status.example.com"')  # fmt: skip
    host, _, port = where.rpartition(":")
    return Controller(ReplyHandler(app), hostname=host, port=int(port), data_size_limit=MAX_MESSAGE)
