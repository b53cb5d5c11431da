"""Reviewer sessions ended before their time (signed out): a signed cookie cannot be taken back, so
the server remembers which ones no longer count, until they would have expired anyway."""

from __future__ import annotations

from notify.store.database import Store


def end(store: Store, nonce: str, expires: int, now: int) -> None:
    with store.transaction() as tx:
        tx.execute("DELETE FROM ended_sessions WHERE expires_at < ?", (now,))
        tx.execute(
            "INSERT INTO ended_sessions (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING",
            (nonce, expires),
        )


def ended(store: Store, nonce: str) -> bool:
    with store.read() as tx:
        return bool(tx.execute("SELECT 1 FROM ended_sessions WHERE nonce = ?", (nonce,)))
