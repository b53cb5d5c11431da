"""Opsgenie outgoing webhooks: Create, Acknowledge, Close (other actions need no customer update)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.record.webhooks import Event, Ignored, Unrecognised, need, short_id, text, when

ACTIONS = {
    "Create": "investigating",
    "Acknowledge": "identified",
    "Close": "resolved",
    "UnAcknowledge": "investigating",
}


def parse(payload: Any, now: datetime) -> Event:
    action = need(payload, "action", "'action'")
    if not isinstance(action, str):
        raise Unrecognised("action is not a string")
    if action not in ACTIONS:
        raise Ignored(f"Opsgenie {action} needs no customer update")
    alert = need(payload, "alert", "'alert'")
    if not isinstance(alert, dict):
        raise Unrecognised("alert is not an object")
    key = text(alert.get("alias") or need(alert, "alertId", "alert.alertId"), 64)
    priority = text(alert.get("priority")).upper().removeprefix("P")
    severity = {"1": "critical", "2": "major"}.get(priority, "minor")
    status = ACTIONS[action]
    return Event(
        incident_id=short_id("OG", key),
        status=status,
        severity=severity,
        service=text(alert.get("entity")) or "Service",
        names=tuple(n for n in (text(alert.get("entity")), *_teams(alert)) if n),
        technical=text(alert.get("message")) or "alert",
        started_at=when(alert.get("createdAt"), now),
        resolved_at=when(alert.get("updatedAt") if isinstance(alert.get("updatedAt"), str) else None, now)
        if status == "resolved"
        else None,
    )


def _teams(alert: dict[str, Any]) -> list[str]:
    """The alert's responder teams, by name (Opsgenie sends them as `teams` or `responders`)."""
    teams: list[Any] = alert.get("teams") or []
    responders: list[Any] = alert.get("responders") or []
    if not isinstance(teams, list) or not isinstance(responders, list):
        return []
    named = [r.get("name") for r in responders if isinstance(r, dict) and r.get("type") == "team"]
    return [text(t, 120) for t in [*teams, *named] if isinstance(t, str)]
