"""Which Atlassian Statuspage incident each of our incidents became, per page: a later update
edits that incident instead of opening another."""

from __future__ import annotations

from notify.store.database import Tx


def remote_id(tx: Tx, incident_id: str, page_id: str) -> str | None:
    rows = tx.execute(
        "SELECT remote_id FROM statuspage_incidents WHERE incident_id = ? AND page_id = ?", (incident_id, page_id)
    )
    return str(rows[0]["remote_id"]) if rows else None


def link(tx: Tx, incident_id: str, page_id: str, remote: str) -> None:
    tx.execute(
        "INSERT INTO statuspage_incidents (incident_id, page_id, remote_id) VALUES (?, ?, ?)",
        (incident_id, page_id, remote),
    )
