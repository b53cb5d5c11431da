"""Writing an incident in the browser: the new-incident form (blank, from a saved template, or an
update to an open incident prefilled from its latest revision), checked by the policy layer before
it is stored, each finding beside its field and each rewrite shown before and after. Saving makes
a pending draft; the same four-eyes review follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from notify.record.incident import Incident

TEXT_FIELDS = ("title", "impact", "apology", "responsibility", "remedy")
TIMES = ("started_at", "resolved_at", "scheduled_until", "next_update_at")
STATUSES = ("investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress", "verifying",
            "completed")  # fmt: skip
SEVERITIES = ("minor", "major", "critical", "maintenance")


def blank(now: datetime, contact: dict[str, Any] | None) -> dict[str, Any]:
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    return {
        "id": f"INC-{now:%Y%m%d-%H%M}",
        "status": "investigating",
        "severity": "minor",
        "started_at": now.isoformat(),
        "next_update_at": (now + timedelta(minutes=30)).isoformat(),
        "components": [],
        "actions": [],
        "contact": contact,
    }


def form_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the form's inputs show it (times as datetime-local, in UTC)."""
    values: dict[str, Any] = {k: record.get(k) or "" for k in ("id", "status", "severity", *TEXT_FIELDS)}
    for name in TIMES:
        value = record.get(name)
        values[name] = datetime.fromisoformat(str(value)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if value else ""
    values["actions"] = "\n".join(record.get("actions") or [])
    values["components"] = list(record.get("components") or [])
    contact = record.get("contact") or {}
    values |= {f"contact_{k}": contact.get(k) or "" for k in ("name", "email", "phone")}
    return values


def record_from_form(form: dict[str, str], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The form's fields as a record; an update keeps what the form does not show (the cause, the
    affected customers, translations) from the incident's latest revision."""
    record: dict[str, Any] = dict(previous or {})
    record.pop("updates", None)
    for name in ("id", "status", "severity", *TEXT_FIELDS):
        record[name] = form.get(name, "").strip()
    for name in TIMES:
        value = form.get(name, "").strip()
        record[name] = (
            datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat() if _is_time(value) else value or None
        )
    record["actions"] = [line.strip() for line in form.get("actions", "").splitlines() if line.strip()]
    picked = [k.removeprefix("component.") for k, v in form.items() if k.startswith("component.") and v]
    typed = [c.strip() for c in form.get("components_other", "").split(",") if c.strip()]
    record["components"] = list(dict.fromkeys([*picked, *typed]))
    contact = {k: form.get(f"contact_{k}", "").strip() for k in ("name", "email", "phone")}
    record["contact"] = {k: v for k, v in contact.items() if v} if contact["name"] else None
    return record


def _is_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def validated(record: dict[str, Any]) -> tuple[Incident | None, dict[str, str]]:
    """The incident, or what is wrong, by field, in a sentence each."""
    try:
        return Incident.model_validate(record), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else "record"
            errors.setdefault(where, str(error["msg"]).removeprefix("Value error, "))
        return None, errors


def checked(policy: Any, incident: Incident) -> dict[str, Any]:
    """What the policy layer says, for the form: findings by field, rewrites, the verdict."""
    result = policy.check_incident(incident, "customers")
    by_field: dict[str, list[Any]] = {}
    for finding in result.findings:
        by_field.setdefault(finding.field.split(".")[0], []).append(finding)
    return {"verdict": result.verdict, "findings": by_field, "rewrites": result.rewrites}
