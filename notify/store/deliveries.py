"""Webhook delivery ids, each claimed once: a retried or concurrent copy of a delivery makes no
second draft."""

from __future__ import annotations

from notify.store.database import Store, Tx


def seen(store: Store, source: str, delivery_id: str) -> bool:
    """Whether this delivery came before (a quick answer; claim() is what decides under load)."""
    with store.read() as tx:
        return bool(
            tx.execute("SELECT 1 FROM webhook_deliveries WHERE source = ? AND delivery_id = ?", (source, delivery_id))
        )


def claim(tx: Tx, source: str, delivery_id: str, received_at: str) -> bool:
    """False when this delivery was claimed before (in this transaction's view)."""
    taken = tx.execute(
        "INSERT INTO webhook_deliveries (source, delivery_id, received_at) VALUES (?, ?, ?)"
        " ON CONFLICT (source, delivery_id) DO NOTHING RETURNING delivery_id",
        (source, delivery_id, received_at),
    )
    return bool(taken)


def made(tx: Tx, source: str, delivery_id: str, draft_id: str) -> None:
    """Note which draft the delivery made."""
    tx.execute(
        "UPDATE webhook_deliveries SET draft_id = ? WHERE source = ? AND delivery_id = ?",
        (draft_id, source, delivery_id),
    )
