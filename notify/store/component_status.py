"""A component's status set by a person, not by an incident ("degraded while we migrate"), with the
reason; the change and its reason land in the audit log in the same transaction."""

from __future__ import annotations

from datetime import datetime

from notify.store import audit
from notify.store.database import Store

LEVELS = ("operational", "minor", "major", "maintenance")  # operational clears what was set


def set_level(store: Store, component: str, level: str, reason: str, person: str, at: datetime) -> None:
    with store.transaction() as tx:
        if level == "operational":
            tx.execute("DELETE FROM component_status WHERE component = ?", (component,))
        else:
            tx.execute(
                "INSERT INTO component_status (component, level, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (component) DO UPDATE SET level = excluded.level, reason = excluded.reason,"
                " set_by = excluded.set_by, set_at = excluded.set_at",
                (component, level, reason, person, at.isoformat()),
            )
        audit.append(
            tx, at=at, actor=person, action="set-component", detail={"component": component, "level": level,
                                                                       "reason": reason},
        )  # fmt: skip


def levels(store: Store) -> dict[str, str]:
    """Each component set by hand, and its level."""
    with store.read() as tx:
        return {r["component"]: r["level"] for r in tx.execute("SELECT component, level FROM component_status")}
