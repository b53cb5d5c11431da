"""Prometheus Alertmanager (and Grafana, which sends the same shape): one incident per alert group.

A group stays open while any of its alerts fires: a partially resolved group is still an incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.record.webhooks import Event, Unrecognised, need, short_id, text, when

SEVERITY = {"critical": "critical", "page": "major", "error": "major", "high": "major", "major": "major"}


def parse(payload: Any, now: datetime, prefix: str = "AM") -> Event:
    alerts = need(payload, "alerts", "'alerts'")
    if not isinstance(alerts, list) or not alerts or not all(isinstance(a, dict) for a in alerts):
        raise Unrecognised("'alerts' must be a non-empty list of alerts")
    key = payload.get("groupKey") or ",".join(sorted(str(a.get("fingerprint", "")) for a in alerts))
    firing = [a for a in alerts if a.get("status") == "firing"]
    status = "investigating" if firing or (payload.get("status") == "firing" and firing) else "resolved"
    labels = {**(payload.get("commonLabels") or {}), **(payload.get("groupLabels") or {})}
    severity = SEVERITY.get(text(labels.get("severity")).lower(), "minor" if labels.get("severity") else "major")
    summaries = [
        text((a.get("annotations") or {}).get("summary") or (a.get("labels") or {}).get("alertname"))
        for a in (firing or alerts)
    ]
    started = min(when(a.get("startsAt"), now) for a in alerts)
    ends = [when(a.get("endsAt"), now) for a in alerts if a.get("status") == "resolved"]
    return Event(
        incident_id=short_id(prefix, str(key)),
        status=status,
        severity=severity,
        service=text(labels.get("service") or labels.get("job") or labels.get("alertname")) or "Service",
        names=tuple(text(labels[k]) for k in ("service", "job", "alertname") if labels.get(k)),
        labels={text(k, 100): text(v) for k, v in labels.items() if isinstance(v, str)},
        technical="; ".join(s for s in summaries if s)[:1000] or "alert",
        started_at=started,
        resolved_at=max(ends) if status == "resolved" and ends else None,
        links=[text(payload["externalURL"], 300)] if payload.get("externalURL") else [],
    )


def parse_grafana(payload: Any, now: datetime) -> Event:
    return parse(payload, now, prefix="GF")
