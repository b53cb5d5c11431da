"""incident.io webhooks (Standard Webhooks): public incident created/updated/status updated, alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.record.webhooks import Event, Ignored, Unrecognised, need, short_id, text, when

INCIDENT_EVENTS = {
    "public_incident.incident_created_v2",
    "public_incident.incident_updated_v2",
    "public_incident.incident_status_updated_v2",
    "private_incident.incident_created_v2",
    "private_incident.incident_updated_v2",
}
ALERT_EVENTS = {
    "public_alert.alert_created_v1",
    "public_alert.alert_resolved_v1",
    "private_alert.alert_created_v1",
    "private_alert.alert_resolved_v1",
}
CATEGORY = {
    "triage": "investigating",
    "active": "identified",
    "live": "identified",
    "paused": "monitoring",
    "learning": "resolved",
    "post-incident": "resolved",
    "closed": "resolved",
    "declined": "resolved",
    "merged": "resolved",
    "canceled": "resolved",
}


def parse(payload: Any, now: datetime) -> Event:
    kind = need(payload, "event_type", "'event_type'")
    if not isinstance(kind, str):
        raise Unrecognised("event_type is not a string")
    if kind not in INCIDENT_EVENTS | ALERT_EVENTS:
        raise Ignored(f"incident.io {kind} needs no customer update")
    body = need(payload, kind, f"the {kind!r} object")
    if not isinstance(body, dict):
        raise Unrecognised(f"{kind} is not an object")
    if kind in ALERT_EVENTS:
        resolved = kind.endswith("alert_resolved_v1") or body.get("status") == "resolved"
        return Event(
            incident_id=short_id("IIO", text(body.get("deduplication_key") or need(body, "id", "alert id"), 64)),
            status="resolved" if resolved else "investigating",
            severity="major",
            service="Service",
            technical=text(body.get("title")) or "alert",
            started_at=when(body.get("created_at"), now),
            resolved_at=when(body.get("resolved_at"), now) if resolved else None,
            links=[text(body["source_url"], 300)] if body.get("source_url") else [],
        )
    if "incident" in body and isinstance(body["incident"], dict):
        body = body["incident"]  # the status-updated event wraps the incident
    category = text((body.get("incident_status") or {}).get("category")).lower()
    status = CATEGORY.get(category, "investigating")
    rank = (body.get("severity") or {}).get("rank")
    severity = "critical" if isinstance(rank, int) and rank >= 3 else "major" if rank == 2 else "minor"
    return Event(
        incident_id=short_id("IIO", text(body.get("reference") or need(body, "id", "incident id"), 64)),
        status=status,
        severity=severity,
        service=text((body.get("incident_type") or {}).get("name")) or "Service",
        names=tuple(n for n in (text((body.get("incident_type") or {}).get("name")),) if n),
        technical=text(body.get("name")) or "incident",
        started_at=when(body.get("created_at"), now),
        resolved_at=when(body.get("updated_at"), now) if status == "resolved" else None,
        links=[text(body["permalink"], 300)] if body.get("permalink") else [],
    )
