"""Incident tools' webhooks in, incident events out: one module per tool, a common shape here.

Each tool's `parse(payload, now) -> Event` turns its JSON into what we know of the incident, raises
`Ignored` for an event type that changes nothing customers should hear about (202), and
`Unrecognised` for a payload that is not what that tool sends (422).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class Ignored(Exception):
    """A real event that needs no customer update (an escalation, a note, a schedule change)."""


class Unrecognised(ValueError):
    """Not the shape this tool sends; the message is one line, returned to the sender."""


@dataclass(frozen=True)
class Event:
    incident_id: str
    status: str  # investigating | identified | monitoring | resolved
    severity: str  # minor | major | critical
    service: str
    technical: str  # the alert's own wording: internal cause, never shown to customers
    started_at: datetime
    resolved_at: datetime | None = None
    links: list[str] = field(default_factory=list)
    occurred_at: datetime | None = None  # when the tool says the event happened, where it signs that
    names: tuple[str, ...] = ()  # every name the tool gives the service (name, id, team): matched by the catalog
    labels: dict[str, str] = field(default_factory=dict)  # an alert's labels, for label-set matches


def short_id(prefix: str, value: str) -> str:
    """An incident id from a tool's key: readable when it is short and safe, hashed otherwise."""
    cleaned = "".join(c for c in value if c.isalnum() or c in "-_.")
    if cleaned and cleaned == value and len(value) <= 40:
        return f"{prefix}-{value}"
    return f"{prefix}-{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def when(value: Any, default: datetime | None = None) -> datetime:
    """An ISO 8601 time or epoch milliseconds, as an aware UTC datetime."""
    try:
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value / 1000, UTC)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    if default is not None:
        return default
    raise Unrecognised(f"not a time: {str(value)[:40]!r}")


def text(value: Any, limit: int = 500) -> str:
    return " ".join(str(value or "").split())[:limit]


def need(mapping: Any, key: str, what: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise Unrecognised(f"missing {what}")
    return mapping[key]
