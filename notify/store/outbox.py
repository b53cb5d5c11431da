"""The outbox: one row per (draft, channel, recipient), written before the first message leaves.

Workers claim rows in batches (PostgreSQL: FOR UPDATE SKIP LOCKED, so workers on several machines
share one outbox; SQLite: under its single write lock). A row is `sending` while claimed; a
sender that died leaves its rows claimable again (at once when its process is gone from this
machine, after the lease otherwise), so at most the messages in flight at the crash go twice.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from notify.store.database import Store, Tx

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"


@dataclass(frozen=True)
class Row:
    id: int
    draft_id: str
    channel: str
    recipient: str
    audience: str
    unsubscribe_token: str
    message_id: str
    attempts: int


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(tx: Tx, rows: Iterable[dict[str, Any]], now: datetime) -> int:
    """Add rows that are not there yet; returns how many were new (a re-run adds none)."""
    added = 0
    for row in rows:
        tx.execute(
            "INSERT INTO outbox (draft_id, channel, recipient, audience, unsubscribe_token, message_id, state,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (draft_id, channel, recipient) DO NOTHING",
            (
                row["draft_id"],
                row["channel"],
                row["recipient"],
                row["audience"],
                row["unsubscribe_token"],
                row["message_id"],
                QUEUED,
                now.isoformat(),
            ),
        )
        added += tx.rowcount()
    return added


def counts(store: Store, draft_id: str) -> dict[str, int]:
    with store.transaction() as tx:
        rows = tx.execute("SELECT state, COUNT(*) AS n FROM outbox WHERE draft_id = ? GROUP BY state", (draft_id,))
    return {QUEUED: 0, SENDING: 0, SENT: 0, FAILED: 0, **{r["state"]: int(r["n"]) for r in rows}}


def unfinished_drafts(store: Store) -> list[str]:
    """Drafts with a message still queued or being sent: what `notify send` resumes."""
    with store.transaction() as tx:
        rows = tx.execute("SELECT DISTINCT draft_id FROM outbox WHERE state IN (?, ?)", (QUEUED, SENDING))
    return [r["draft_id"] for r in rows]


def _scope(draft_id: str | None, channels: Sequence[str]) -> tuple[str, list[Any]]:
    sql = f" AND channel IN ({','.join('?' * len(channels))})"
    return (sql + (" AND draft_id = ?" if draft_id else ""), [*channels, *([draft_id] if draft_id else [])])


def next_due(store: Store, draft_id: str | None, channels: Sequence[str] = ("email",)) -> str | None:
    scope, args = _scope(draft_id, channels)
    with store.transaction() as tx:
        rows = tx.execute(f"SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state = ?{scope}", [QUEUED, *args])
    return rows[0]["due"] if rows else None


def claim(
    store: Store,
    draft_id: str | None,
    worker: str,
    batch: int,
    now: datetime,
    lease: timedelta,
    channels: Sequence[str] = ("email",),
) -> list[Row]:
    """Take up to `batch` due rows of these channels for this worker; nobody else gets them until
    they are released or the lease ends."""
    due, stale, at = now.isoformat(), (now - lease).isoformat(), now.isoformat()
    scope, scoped = _scope(draft_id, channels)
    # Two picks, each walking an index of its own state from its oldest row (due rows first, then
    # rows whose claimer's lease ran out), so a claim reads the rows it takes, not every row the
    # draft ever had: sent rows are never visited.
    picks = (
        (f"SELECT id FROM outbox WHERE state = ? AND next_attempt_at <= ?{scope} ORDER BY next_attempt_at, id",
         [QUEUED, due, *scoped]),
        (f"SELECT id FROM outbox WHERE state = ? AND claimed_at < ?{scope} ORDER BY claimed_at, id",
         [SENDING, stale, *scoped]),
    )  # fmt: skip
    lock = " FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else ""  # workers on several machines
    with store.transaction() as tx:
        ids: list[Any] = []
        for sql, values in picks:
            if len(ids) < batch:
                ids += [r["id"] for r in tx.execute(f"{sql} LIMIT ?{lock}", [*values, batch - len(ids)])]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        tx.execute(
            f"UPDATE outbox SET state = ?, claimed_by = ?, claimed_at = ? WHERE id IN ({marks})",
            [SENDING, worker, at, *ids],
        )
        rows = tx.execute(f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id", ids)
    return [_row(r) for r in rows]


def reclaim_orphans(store: Store) -> int:
    """Rows a sender on this machine claimed before it died go back in the queue at once."""
    host = socket.gethostname()
    with store.transaction() as tx:
        owners = [
            r["claimed_by"]
            for r in tx.execute(
                "SELECT DISTINCT claimed_by FROM outbox WHERE state = ? AND claimed_by LIKE ?", (SENDING, f"{host}:%")
            )
        ]
        dead = [o for o in owners if not _alive(int(o.rsplit(":", 1)[1]))]
        released = 0
        for owner in dead:
            tx.execute(
                "UPDATE outbox SET state = ?, claimed_by = NULL WHERE state = ? AND claimed_by = ?",
                (QUEUED, SENDING, owner),
            )
            released += tx.rowcount()
    return released


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release(store: Store, ids: Sequence[int]) -> None:
    """Give claimed, unsent rows back (a clean stop)."""
    if not ids:
        return
    with store.transaction() as tx:
        marks = ",".join("?" * len(ids))
        tx.execute(
            f"UPDATE outbox SET state = ?, claimed_by = NULL WHERE state = ? AND id IN ({marks})",
            [QUEUED, SENDING, *ids],
        )


def record(
    store: Store,
    sent: Sequence[tuple[int, str]],
    retry: Sequence[tuple[int, str, str]],
    failed: Sequence[tuple[int, str]],
) -> None:
    """One transaction for a batch of outcomes: (id, at), (id, error, next_at), (id, error)."""
    with store.transaction() as tx:
        for row_id, at in sent:
            tx.execute(
                "UPDATE outbox SET state = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                (SENT, at, row_id),
            )
        for row_id, error, next_at in retry:
            tx.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
                " claimed_by = NULL WHERE id = ?",
                (QUEUED, error, next_at, row_id),
            )
        for row_id, error in failed:
            tx.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                (FAILED, error, row_id),
            )


def _row(r: dict[str, Any]) -> Row:
    return Row(
        id=int(r["id"]),
        draft_id=r["draft_id"],
        channel=r["channel"],
        recipient=r["recipient"],
        audience=r["audience"],
        unsubscribe_token=r["unsubscribe_token"],
        message_id=r["message_id"],
        attempts=int(r["attempts"]),
    )
