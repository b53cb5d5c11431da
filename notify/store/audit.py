"""The append-only audit log: who did what to which draft, and when, each entry chained to the last.

Every entry carries the hash of the one before it, so an edited or deleted row breaks the chain
at that point (`notify audit --verify`). Appends take the store's audit lock so that concurrent
writers cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notify.store.database import AUDIT_LOCK, Store, Tx

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    outcome: str
    incident_id: str | None
    draft_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def entry_hash(
    prev_hash: str,
    at: str,
    actor: str,
    action: str,
    outcome: str,
    incident_id: str | None,
    draft_id: str | None,
    detail_json: str,
) -> str:
    payload = json.dumps(
        [prev_hash, at, actor, action, outcome, incident_id, draft_id, detail_json],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def append(
    tx: Tx,
    *,
    at: datetime,
    actor: str,
    action: str,
    outcome: str = "ok",
    incident_id: str | None = None,
    draft_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry inside the caller's transaction, so it lands exactly when the change does.

    The first entry of a transaction takes the log's lock and reads the last hash; the next ones
    chain onto what the transaction wrote (tx.audit_head), without asking the store again."""
    prev = tx.audit_head
    if prev is None:
        tx.lock(AUDIT_LOCK)
        last = tx.execute("SELECT entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        prev = last[0]["entry_hash"] if last else GENESIS
    when = at.isoformat()
    detail_json = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = entry_hash(prev, when, actor, action, outcome, incident_id, draft_id, detail_json)
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, outcome, incident_id, draft_id, detail_json, prev_hash, entry_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (when, actor, action, outcome, incident_id, draft_id, detail_json, prev, digest),
    )
    tx.audit_head = digest


def entries(store: Store, subject: str | None = None) -> list[Entry]:
    """The log, oldest first; for an incident id or a draft id when one is given."""
    with store.transaction() as tx:
        if subject:
            rows = tx.execute(
                "SELECT * FROM audit_log WHERE incident_id = ? OR draft_id = ? ORDER BY seq", (subject, subject)
            )
        else:
            rows = tx.execute("SELECT * FROM audit_log ORDER BY seq")
    return [_entry(row) for row in rows]


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(
        seq=int(row["seq"]),
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        outcome=row["outcome"],
        incident_id=row["incident_id"],
        draft_id=row["draft_id"],
        detail=json.loads(row["detail_json"]),
        prev_hash=row["prev_hash"],
        entry_hash=row["entry_hash"],
    )


def verify(store: Store) -> list[str]:
    """Every break in the chain, as a sentence naming the entry; empty when the log is intact."""
    problems = []
    expected_prev = GENESIS
    with store.transaction() as tx:
        rows = tx.execute("SELECT * FROM audit_log ORDER BY seq")
    for row in rows:
        if row["prev_hash"] != expected_prev:
            problems.append(f"entry {row['seq']}: does not follow the entry before it (one was changed or removed)")
        digest = entry_hash(
            row["prev_hash"],
            row["at"],
            row["actor"],
            row["action"],
            row["outcome"],
            row["incident_id"],
            row["draft_id"],
            row["detail_json"],
        )
        if digest != row["entry_hash"]:
            problems.append(f"entry {row['seq']}: its contents were changed after it was written")
        expected_prev = row["entry_hash"]
    return problems
