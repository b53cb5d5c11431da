"""The append-only audit log: who did what to which draft, and when, each entry chained to the last.

Every entry carries the hash of the one before it, so an edited or deleted row breaks the chain
at that point (`notify audit --verify`). The hash is an HMAC under a key kept outside the database
($NOTIFY_SECRET, or secret.key in $NOTIFY_HOME), so someone who can write to the database cannot
recompute the chain after an edit; `export_head` writes the newest entry somewhere else, so a
deleted tail shows too. Entries written before the chain was keyed (plain SHA-256) are signed
under the key once, when the store is upgraded (migration 10). Appends take the store's audit lock
so that concurrent writers cannot fork the chain.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notify.store.database import Store, Tx

GENESIS = "0" * 64
AUDIT_LOCK = 7_236_002  # an advisory lock id of our own (the migration lock is 7_236_001)


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


KEYED = "k1:"


def _key() -> bytes:
    environment = tuple(os.environ.get(name) for name in ("NOTIFY_SECRET", "NOTIFY_HOME", "XDG_DATA_HOME"))
    return _key_for(environment)


@functools.cache
def _key_for(environment: tuple[str | None, ...]) -> bytes:
    """Derived from the service secret, read once per environment (the argument is only the cache
    key: where secret_key() looks, which tests change)."""
    from notify.resources import secret_key

    return hashlib.sha256(b"notify-audit\0" + secret_key()).digest()


def keyed_hash(key: bytes, *fields: str | None) -> str:
    payload = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=False)
    return KEYED + hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


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
    digest = keyed_hash(_key(), prev, when, actor, action, outcome, incident_id, draft_id, detail_json)
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


def verify(store: Store, head: dict[str, Any] | None = None) -> list[str]:
    """Every break in the chain, as a sentence naming the entry; empty when the log is intact.
    `head` is a previously exported newest entry: it must still be there, unchanged."""
    problems = []
    expected_prev = GENESIS
    key = _key()
    with store.transaction() as tx:
        rows = tx.execute("SELECT * FROM audit_log ORDER BY seq")
    for row in rows:
        if row["prev_hash"] != expected_prev:
            problems.append(f"entry {row['seq']}: does not follow the entry before it (one was changed or removed)")
        if not _holds(row, key):
            problems.append(f"entry {row['seq']}: its contents were changed after it was written")
        expected_prev = row["entry_hash"]
    if head is not None:
        found = next((r for r in rows if int(r["seq"]) == int(head.get("seq", -1))), None)
        if found is None or found["entry_hash"] != head.get("entry_hash"):
            problems.append(f"entry {head.get('seq')}: the exported head is gone or changed (the log was cut back)")
    return problems


def export_head(store: Store) -> dict[str, Any]:
    """The newest entry's number and hash, to keep somewhere the database's writers cannot reach."""
    with store.transaction() as tx:
        rows = tx.execute("SELECT seq, at, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    return {"seq": int(rows[0]["seq"]), "at": rows[0]["at"], "entry_hash": rows[0]["entry_hash"]} if rows else {}


def approval_holds(store: Store, draft_id: str, content_hash: str) -> bool:
    """The draft's last approval is in the log, written under our key, for exactly these messages:
    a draft set to approved in the database by hand has no such entry."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT * FROM audit_log WHERE draft_id = ? AND action = 'approve' AND outcome = 'ok'"
            " ORDER BY seq DESC LIMIT 1",
            (draft_id,),
        )
    if not rows or not _holds(rows[0], _key()):
        return False
    return bool(json.loads(rows[0]["detail_json"]).get("content_hash") == content_hash)


def _fields(row: dict[str, Any]) -> tuple[str | None, ...]:
    return (
        row["prev_hash"],
        row["at"],
        row["actor"],
        row["action"],
        row["outcome"],
        row["incident_id"],
        row["draft_id"],
        row["detail_json"],
    )


def _holds(row: dict[str, Any], key: bytes) -> bool:
    return hmac.compare_digest(keyed_hash(key, *_fields(row)), row["entry_hash"])


def seal_legacy(tx: Tx) -> None:
    """Once, when a store is upgraded: sign the chain written before keying under the key, if that
    chain is intact. A broken one is left as it is, so `verify` goes on reporting where it broke."""
    rows = tx.execute("SELECT * FROM audit_log ORDER BY seq")
    expected = GENESIS
    for row in rows:
        if row["prev_hash"] != expected or entry_hash(*_fields(row)) != row["entry_hash"]:  # type: ignore[arg-type]
            return
        expected = row["entry_hash"]
    key, prev = _key(), GENESIS
    for row in rows:
        digest = keyed_hash(key, prev, *_fields(row)[1:])
        tx.execute("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE seq = ?", (prev, digest, row["seq"]))
        prev = digest
