"""The append-only audit log: who did what to which draft, and when, each entry chained to the last.

Each incident's entries form a chain of their own (entries about no incident form "log"): every
entry carries the hash of the one before it in its chain, so an edited or deleted row breaks the
chain at that point (`notify audit --verify`). An append locks only its own chain, so writers of
different incidents never queue behind one another. The heads of the chains are anchored, from time
to time, in a chain of their own ("anchor", extended by `anchor()`: `notify serve` every
ANCHOR_EVERY seconds, `notify audit --export`, or cron): a chain cut back behind its anchored head
shows, and `export_head` writes the newest anchor somewhere else, so a cut anchor chain shows too.

The hash is an HMAC under a key kept outside the database ($NOTIFY_SECRET, or secret.key in
$NOTIFY_HOME), so someone who can write to the database cannot recompute a chain after an edit.
Entries written before the chain was keyed (plain SHA-256) are signed under the key once, when the
store is upgraded (migration 10); entries written before chains were per incident (migration 18)
stay one "legacy" chain, anchored like the others.
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
AUDIT_LOCK = 7_236_002  # the anchor chain's advisory lock id (the migration lock is 7_236_001)
ANCHOR, LOG, LEGACY = "anchor", "log", "legacy"
ANCHOR_EVERY = 10.0  # seconds between anchors under notify serve


def chain_of(incident_id: str | None, action: str) -> str:
    """The chain an entry belongs to, derived from what its hash covers (so it cannot be moved)."""
    if incident_id:
        return f"incident:{incident_id}"
    return ANCHOR if action == ANCHOR else LOG


def _chain_lock(chain: str) -> int:
    """An advisory lock id per chain (a collision only makes two chains share a lock)."""
    if chain == ANCHOR:
        return AUDIT_LOCK
    return int.from_bytes(hashlib.sha256(chain.encode()).digest()[:8], "big") >> 1


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

    The first entry of a transaction in a chain takes that chain's lock and reads its head; the
    next ones chain onto what the transaction wrote (tx.audit_heads), without asking the store again."""
    chain = chain_of(incident_id, action)
    prev = tx.audit_heads.get(chain)
    if prev is None:
        tx.lock(_chain_lock(chain))
        head = tx.execute("SELECT entry_hash FROM audit_heads WHERE chain = ?", (chain,))
        prev = head[0]["entry_hash"] if head else GENESIS
    when = at.isoformat()
    detail_json = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = keyed_hash(_key(), prev, when, actor, action, outcome, incident_id, draft_id, detail_json)
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, outcome, incident_id, draft_id, detail_json, prev_hash,"
        " entry_hash, chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (when, actor, action, outcome, incident_id, draft_id, detail_json, prev, digest, chain),
    )
    tx.execute(  # the head, for the next append and the next anchor (a cache: verify never trusts it)
        "INSERT INTO audit_heads (chain, seq, entry_hash) VALUES (?, (SELECT MAX(seq) FROM audit_log WHERE chain = ?),"
        " ?) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash",
        (chain, chain, digest),
    )
    tx.audit_heads[chain] = digest


def anchor(store: Store, at: datetime) -> int:
    """Anchor the head of every chain that grew since the last anchor in one new anchor entry;
    how many heads it anchored (0: nothing grew, nothing written)."""
    with store.transaction() as tx:
        tx.lock(AUDIT_LOCK)
        grown = tx.execute(
            "SELECT chain, seq, entry_hash FROM audit_heads WHERE seq > anchored_seq AND chain <> ? ORDER BY chain",
            (ANCHOR,),
        )
        if not grown:
            return 0
        heads = {r["chain"]: [int(r["seq"]), r["entry_hash"]] for r in grown}
        append(tx, at=at, actor="notify", action=ANCHOR, detail={"heads": heads})
        for chain, (seq, _) in heads.items():  # the seq read, not the row's: a later append stays unanchored
            tx.execute("UPDATE audit_heads SET anchored_seq = ? WHERE chain = ?", (seq, chain))
    return len(heads)


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
    """Every break in the chains, as a sentence naming the entry; empty when the log is intact.
    `head` is a previously exported newest anchor: it must still be there, unchanged."""
    problems = []
    key = _key()
    with store.read() as tx:
        rows = tx.execute("SELECT * FROM audit_log ORDER BY seq")
    expected: dict[str, str] = {}  # by chain: the hash the next entry must carry as its prev
    written: dict[int, tuple[str, str]] = {}  # seq: (chain, hash) of every entry found
    anchored: list[tuple[int, str, int, str]] = []  # (anchor seq, chain, seq, hash)
    for row in rows:
        seq, chain = int(row["seq"]), row["chain"] or LEGACY
        if row["chain"] is not None and row["chain"] != chain_of(row["incident_id"], row["action"]):
            problems.append(f"entry {seq}: is filed in another chain than its incident's (it was moved)")
        if row["prev_hash"] != expected.get(chain, GENESIS):
            problems.append(f"entry {seq}: does not follow the entry before it (one was changed or removed)")
        holds = _holds(row, key)
        if not holds:
            problems.append(f"entry {seq}: its contents were changed after it was written")
        expected[chain] = row["entry_hash"]
        written[seq] = (chain, row["entry_hash"])
        if holds and chain == ANCHOR:
            for name, (anchored_seq, digest) in json.loads(row["detail_json"]).get("heads", {}).items():
                anchored.append((seq, name, int(anchored_seq), digest))
    for seq, chain, anchored_seq, digest in anchored:
        if written.get(anchored_seq) != (chain, digest):
            problems.append(
                f"entry {seq}: anchors entry {anchored_seq} of {chain}, which is gone or changed"
                " (the chain was cut back)"
            )
    if head is not None:
        found = written.get(int(head.get("seq", -1)))
        if found is None or found[1] != head.get("entry_hash"):
            problems.append(f"entry {head.get('seq')}: the exported head is gone or changed (the log was cut back)")
    return problems


def export_head(store: Store, at: datetime) -> dict[str, Any]:
    """Anchor every chain's head, then the newest anchor's number and hash, to keep somewhere the
    database's writers cannot reach."""
    anchor(store, at)
    with store.read() as tx:
        rows = tx.execute(
            "SELECT seq, at, entry_hash FROM audit_log WHERE chain = ? ORDER BY seq DESC LIMIT 1", (ANCHOR,)
        )
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
