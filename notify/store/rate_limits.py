"""Rate limits anything a stranger can trigger (sign-in attempts, sign-ups, confirmation mails),
counted in the store so every process of the service shares one count.

A sliding log: each hit is a row, a key allows `limit` hits in any `window` seconds. The usual
limiter libraries keep their counts in Redis or memcached; notify has only its own store, and the
counting is a few statements in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from notify.store.database import Store, Tx

LONGEST_WINDOW = 24 * 3600  # hits older than this are kept for no limit: pruned as we go


@dataclass(frozen=True)
class Limit:
    limit: int
    window: float  # seconds


def wait(store: Store, key: str, rule: Limit, now: float) -> float:
    """Seconds until `key` may be hit again under `rule`; 0 when it may now. Counts nothing."""
    with store.transaction() as tx:
        return _wait(tx, key, rule, now)


def hit(store: Store, key: str, now: float) -> None:
    """Count one hit for `key`."""
    with store.transaction() as tx:
        tx.execute("INSERT INTO rate_hits (key, at) VALUES (?, ?)", (key, now))


def take(store: Store, key: str, rule: Limit, now: float) -> float:
    """Count one hit if `rule` allows it now (and return 0); else count nothing and return the
    seconds to wait. One transaction, under a lock on the key: two processes cannot both take the
    last place."""
    with store.transaction() as tx:
        tx.lock(int.from_bytes(hashlib.sha256(key.encode()).digest()[:7], "big"))
        waiting = _wait(tx, key, rule, now)
        if not waiting:
            tx.execute("INSERT INTO rate_hits (key, at) VALUES (?, ?)", (key, now))
        return waiting


def _wait(tx: Tx, key: str, rule: Limit, now: float) -> float:
    tx.execute("DELETE FROM rate_hits WHERE at <= ?", (now - LONGEST_WINDOW,))
    rows = tx.execute(
        "SELECT at FROM rate_hits WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
        (key, now - rule.window, rule.limit),
    )
    if len(rows) < rule.limit:
        return 0.0
    return max(0.0, float(rows[-1]["at"]) + rule.window - now)
