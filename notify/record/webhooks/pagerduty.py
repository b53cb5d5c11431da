"""PagerDuty v3 webhooks: incident.triggered / acknowledged / reopened / resolved / priority_updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.record.webhooks import Event, Ignored, Unrecognised, need, short_id, text, when

STATUS = {
    "incident.triggered": "investigating",
    "incident.reopened": "investigating",
    "incident.acknowledged": "identified",
    "incident.resolved": "resolved",
    "incident.priority_updated": None,
    "incident.unacknowledged": "investigating",
}
DATA_STATUS = {"triggered": "investigating", "acknowledged": "identified", "resolved": "resolved"}


def parse(payload: Any, now: datetime) -> Event:
    event = need(payload, "event", "'event'")
    kind = need(event, "event_type", "event.event_type")
    if not isinstance(kind, str):
        raise Unrecognised("event.event_type is not a string")
    if kind not in STATUS:
        raise Ignored(f"PagerDuty {kind} needs no customer update")
    data = need(event, "data", "event.data")
    status = STATUS[kind] or DATA_STATUS.get(str(data.get("status")), "investigating")
    occurred = when(event.get("occurred_at"), now)
    priority = text((data.get("priority") or {}).get("summary")).upper()
    severity = (
        "critical" if priority in {"P1", "SEV1", "SEV-1"} else "major" if data.get("urgency") == "high" else "minor"
    )
    service_object = data.get("service") or {}
    if not isinstance(service_object, dict):
        raise Unrecognised("event.data.service is not an object")
    service = text(service_object.get("summary")) or "Service"
    names = tuple(n for n in (text(service_object.get("summary")), text(service_object.get("id"))) if n)
    return Event(
        incident_id=short_id("PD", text(need(data, "id", "event.data.id"), 64)),
        status=status,
        severity=severity,
        service=service,
        names=names,
        technical=text(data.get("title")) or kind,
        started_at=when(data.get("created_at"), occurred),
        resolved_at=occurred if status == "resolved" else None,
        links=[text(data["html_url"], 300)] if data.get("html_url") else [],
        occurred_at=occurred if event.get("occurred_at") else None,  # inside the signed body
    )
