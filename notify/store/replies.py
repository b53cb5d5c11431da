"""What came back: customers' replies to an incident, filed-away auto-replies and bounces, and mail
set aside (an unknown or forged tag). Addresses that bounce for good or complain are no longer
mailed. Replies are kept for the retention period and then deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notify.store.database import Store

KINDS = ("reply", "auto", "bounce", "complaint", "aside")
SOFT_BOUNCES = 3  # temporary failures reported for one address before it is treated as gone


@dataclass(frozen=True)
class Reply:
    id: int
    incident_id: str | None
    kind: str
    sender: str
    subject: str
    message_id: str
    refs: str  # the References chain, space-separated, ending with the message it answers
    body: str
    received_at: str
    answered_at: str | None = None
    answered_by: str | None = None
    answer: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As people read it: who, when, their words, whether someone answered."""
        return {
            "id": self.id,
            "sender": self.sender,
            "received_at": self.received_at,
            "subject": self.subject,
            "text": self.body,
            "answered": self.answered_at is not None,
            "answered_at": self.answered_at,
            "answered_by": self.answered_by,
        }


def file(store: Store, reply: Reply) -> bool:
    """Keep it; False when this Message-ID was filed before (a retried delivery)."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO replies (incident_id, kind, sender, subject, message_id, refs, body, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
            (reply.incident_id, reply.kind, reply.sender, reply.subject, reply.message_id, reply.refs, reply.body,
             reply.received_at),
        )  # fmt: skip
        return tx.rowcount() == 1


def of_incident(store: Store, incident_id: str | None, kinds: tuple[str, ...] = ("reply",)) -> list[Reply]:
    """Newest first; incident None: what was set aside."""
    marks = ",".join("?" * len(kinds))
    where = "incident_id = ?" if incident_id is not None else "incident_id IS NULL"
    args = [incident_id] if incident_id is not None else []
    with store.read() as tx:
        rows = tx.execute(
            f"SELECT * FROM replies WHERE {where} AND kind IN ({marks}) ORDER BY received_at DESC, id DESC",
            [*args, *kinds],
        )
    return [Reply(**r) for r in rows]


def counts(store: Store, incident_id: str) -> dict[str, int]:
    with store.read() as tx:
        rows = tx.execute("SELECT kind, COUNT(*) AS n FROM replies WHERE incident_id = ? GROUP BY kind", (incident_id,))
    return {kind: 0 for kind in KINDS} | {r["kind"]: int(r["n"]) for r in rows}


def get(store: Store, reply_id: int) -> Reply | None:
    with store.read() as tx:
        rows = tx.execute("SELECT * FROM replies WHERE id = ?", (reply_id,))
    return Reply(**rows[0]) if rows else None


def answered(store: Store, reply_id: int, by: str, answer: str, at: datetime) -> bool:
    """Mark it answered; False when someone answered it first."""
    with store.transaction() as tx:
        tx.execute(
            "UPDATE replies SET answered_at = ?, answered_by = ?, answer = ? WHERE id = ? AND answered_at IS NULL",
            (at.isoformat(), by, answer, reply_id),
        )
        return tx.rowcount() == 1


def bounced(store: Store, email: str, hard: bool, at: datetime) -> None:
    """A hard bounce stops mail to the address; soft ones only after several."""
    now = at.isoformat()
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO mail_suppressions (email, soft_bounces, last_at) VALUES (?, 0, ?)"
            " ON CONFLICT (email) DO UPDATE SET last_at = excluded.last_at",
            (email.casefold(), now),
        )
        if hard:
            tx.execute(
                "UPDATE mail_suppressions SET reason = 'hard bounce', suppressed_at = ? WHERE email = ?"
                " AND suppressed_at IS NULL",
                (now, email.casefold()),
            )
            return
        tx.execute("UPDATE mail_suppressions SET soft_bounces = soft_bounces + 1 WHERE email = ?", (email.casefold(),))
        tx.execute(
            "UPDATE mail_suppressions SET reason = 'soft bounces', suppressed_at = ? WHERE email = ?"
            " AND suppressed_at IS NULL AND soft_bounces >= ?",
            (now, email.casefold(), SOFT_BOUNCES),
        )


def suppressed(store: Store) -> set[str]:
    """Addresses no longer mailed (casefolded): bounced for good, or complained."""
    with store.read() as tx:
        return {r["email"] for r in tx.execute("SELECT email FROM mail_suppressions WHERE suppressed_at IS NOT NULL")}


def suppress(store: Store, email: str, reason: str, at: datetime) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO mail_suppressions (email, soft_bounces, reason, suppressed_at, last_at) VALUES (?, 0, ?, ?, ?)"
            " ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, suppressed_at = excluded.suppressed_at",
            (email.casefold(), reason, at.isoformat(), at.isoformat()),
        )


def purge(store: Store, before: datetime) -> int:
    """Delete what was received before this moment; how many."""
    with store.transaction() as tx:
        tx.execute("DELETE FROM replies WHERE received_at < ?", (before.isoformat(),))
        return tx.rowcount()


def incident_by_message(store: Store, message_ids: list[str]) -> str | None:
    """The incident whose update carried one of these Message-IDs (the newest that matches)."""
    if not message_ids:
        return None
    marks = ",".join("?" * len(message_ids))
    with store.read() as tx:
        rows = tx.execute(
            f"SELECT d.incident_id FROM outbox o JOIN drafts d ON d.id = o.draft_id WHERE o.message_id IN ({marks})"
            " ORDER BY o.id DESC LIMIT 1",
            message_ids,
        )
    return str(rows[0]["incident_id"]) if rows else None


def sent_to(store: Store, message_ids: list[str]) -> set[str]:
    """Whom notify sent these Message-IDs (casefolded)."""
    if not message_ids:
        return set()
    marks = ",".join("?" * len(message_ids))
    with store.read() as tx:
        rows = tx.execute(f"SELECT recipient FROM outbox WHERE message_id IN ({marks})", message_ids)
    return {str(r["recipient"]).casefold() for r in rows}


def incident_exists(store: Store, incident_id: str) -> bool:
    with store.read() as tx:
        return bool(tx.execute("SELECT 1 FROM drafts WHERE incident_id = ? LIMIT 1", (incident_id,)))
