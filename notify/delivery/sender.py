"""Send an approved draft's email to every recipient through the outbox, with bounded concurrency.

A claimer takes due rows in batches and feeds a queue; `concurrency` senders each keep one SMTP
connection open and reuse it. Temporary failures (4xx, dropped connections, timeouts) go back in
the queue with exponential backoff; permanent ones (5xx) are recorded with the server's reply.
Outcomes are written in small batches, so a crash can repeat at most the messages in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib

from notify.clock import Clock
from notify.delivery.mailer import Envelope, MessageFactory, SmtpSettings, needs_smtputf8, smtp_client
from notify.store import outbox
from notify.store.database import Store
from notify.store.outbox import Row

FLUSH_EVERY = 25
FLUSH_SECONDS = 0.05


@dataclass
class Summary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "skipped": self.skipped,
            "failures": [{"recipient": r, "error": e} for r, e in self.failures],
        }


@dataclass
class Options:
    concurrency: int = 8
    batch: int = 200
    retry_base: float = 2.0
    max_attempts: int = 6
    lease: timedelta = timedelta(minutes=5)
    idle_wait: float = 30.0


class Temporary(Exception):
    """Worth another try later: 4xx replies, dropped connections, timeouts."""


class Permanent(Exception):
    """Will not work however often we try: 5xx replies."""


def classify(exc: BaseException) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPNotSupported) and "SMTPUTF8" in str(exc):
        return Permanent("the mail server does not offer SMTPUTF8, which this address needs (letters beyond ASCII)")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reply = f"{exc.code} {exc.message}".strip()
        return Temporary(reply) if 400 <= exc.code < 500 else Permanent(reply)
    if isinstance(
        exc,
        (
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPTimeoutError,
            ConnectionError,
            TimeoutError,
            OSError,
        ),
    ):
        return Temporary(f"{type(exc).__name__}: {exc}")
    return Permanent(f"{type(exc).__name__}: {exc}")


class Sender:
    """The delivery of one draft (or, as a worker, of whatever is due) from this process."""

    def __init__(
        self,
        store: Store,
        settings: SmtpSettings,
        parts: dict[str, dict[str, dict[str, str]]],
        envelope: Envelope,
        *,
        draft_id: str | None,
        worker: str,
        options: Options,
        clock: Clock,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.envelope = envelope
        self.factories = {(d, a): MessageFactory(p, envelope) for d, by in parts.items() for a, p in by.items()}
        self.draft_id = draft_id
        self.worker = worker
        self.options = options
        self.clock = clock
        self.on_progress = on_progress or (lambda _: None)
        self.summary = Summary()
        self.stopping = asyncio.Event()
        self._queue: asyncio.Queue[Row | None] = asyncio.Queue(maxsize=options.concurrency * 2)
        self._claimed: set[int] = set()
        self._sent: list[tuple[int, str]] = []
        self._retry: list[tuple[int, str, str]] = []
        self._failed: list[tuple[int, str]] = []
        self._last_flush = 0.0

    async def run(self) -> Summary:
        senders = [asyncio.create_task(self._send_loop()) for _ in range(self.options.concurrency)]
        try:
            await self._claim_loop()
        finally:
            for _ in senders:
                await self._queue.put(None)
            await asyncio.gather(*senders, return_exceptions=True)
            self._flush()
            outbox.release(self.store, sorted(self._claimed))  # claimed but never tried: back in the queue
        return self.summary

    def stop(self) -> None:
        """Finish the messages in flight, send nothing new."""
        self.stopping.set()

    async def _claim_loop(self) -> None:
        while not self.stopping.is_set():
            rows = outbox.claim(
                self.store, self.draft_id, self.worker, self.options.batch, self.clock(), self.options.lease
            )
            if not rows:
                self._flush()
                wait = self._until_next_due()
                if wait is None and not self._claimed:
                    return  # nothing queued, nothing in flight that could come back for a retry
                wait = 0.02 if wait is None else wait
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), timeout=wait)
                continue
            self._claimed.update(r.id for r in rows)
            for row in rows:
                if self.stopping.is_set():
                    return
                await self._queue.put(row)
            while self._queue.qsize() > self.options.concurrency and not self.stopping.is_set():
                await asyncio.sleep(0.005)

    def _until_next_due(self) -> float | None:
        """Seconds until a queued retry is due (short and bounded), or None when nothing is left for us."""
        counts_due = outbox.next_due(self.store, self.draft_id)
        if counts_due is None:
            return None
        seconds = (datetime.fromisoformat(counts_due) - self.clock()).total_seconds()
        return min(max(seconds, 0.01), self.options.idle_wait)

    async def _send_loop(self) -> None:
        smtp: aiosmtplib.SMTP | None = None
        try:
            while True:
                row = await self._queue.get()
                if row is None:
                    return
                if self.stopping.is_set():
                    continue  # released with the rest of the claimed rows
                smtp = await self._send_one(smtp, row)
        finally:
            if smtp is not None and smtp.is_connected:
                try:
                    await smtp.quit()
                except aiosmtplib.SMTPException:
                    smtp.close()

    async def _send_one(self, smtp: aiosmtplib.SMTP | None, row: Row) -> aiosmtplib.SMTP | None:
        try:
            message = self.factories[(row.draft_id, row.audience)].render(
                row.recipient, row.message_id, row.unsubscribe_token, self.clock()
            )
            if smtp is None or not smtp.is_connected:
                smtp = self._connection()
                await smtp.connect()
            utf8 = ["SMTPUTF8"] if needs_smtputf8(row.recipient) else None  # refused where not offered
            await smtp.sendmail(self.envelope.sender.addr_spec, [row.recipient], message, mail_options=utf8)
        except Exception as exc:  # every failure is classified and recorded
            outcome = classify(exc)
            if isinstance(outcome, Temporary) and smtp is not None:
                smtp.close()
                smtp = None
            self._failure(row, outcome)
        else:
            self._sent.append((row.id, self.clock().isoformat()))
            self.summary.sent += 1
            self.on_progress("sent")
        self._claimed.discard(row.id)
        self._maybe_flush()
        return smtp

    def _connection(self) -> aiosmtplib.SMTP:
        return smtp_client(self.settings)

    def _failure(self, row: Row, outcome: Exception) -> None:
        attempts = row.attempts + 1
        if isinstance(outcome, Temporary) and attempts < self.options.max_attempts:
            delay = self.options.retry_base * 2 ** (attempts - 1) * (1 + random.random() / 4)
            self._retry.append((row.id, str(outcome), (self.clock() + timedelta(seconds=delay)).isoformat()))
            self.summary.retried += 1
            self.on_progress("retried")
            return
        reason = str(outcome) if isinstance(outcome, Permanent) else f"gave up after {attempts} tries: {outcome}"
        self._failed.append((row.id, reason))
        self.summary.failed += 1
        self.summary.failures.append((row.recipient, reason))
        self.on_progress("failed")

    def _maybe_flush(self) -> None:
        now = asyncio.get_running_loop().time()
        pending = len(self._sent) + len(self._retry) + len(self._failed)
        if pending >= FLUSH_EVERY or (pending and now - self._last_flush >= FLUSH_SECONDS):
            self._flush()
            self._last_flush = now

    def _flush(self) -> None:
        if self._sent or self._retry or self._failed:
            outbox.record(self.store, self._sent, self._retry, self._failed)
            self._sent, self._retry, self._failed = [], [], []
