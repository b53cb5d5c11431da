"""The new-incident form's fields to a record and back, and what it says about bad input."""

from __future__ import annotations

from datetime import UTC, datetime

from notify.web import authoring

FORM = {
    "id": "INC-7", "status": "identified", "severity": "major", "title": "Checkout is slow",
    "impact": "Paying takes a minute.", "apology": "We are sorry.", "responsibility": "", "remedy": "",
    "actions": "Rolling back\n\n  Watching it  ", "component.Checkout": "1", "components_other": "Search, Checkout",
    "contact_name": "Dana Reyes", "contact_email": "dana@example.com", "contact_phone": "",
    "started_at": "2026-12-02T09:10", "resolved_at": "", "scheduled_until": "", "next_update_at": "2026-12-02T10:00",
}  # fmt: skip


def test_a_form_becomes_a_record_and_shows_again_as_typed():
    record = authoring.record_from_form(FORM, previous={"cause": "a bad deploy", "affected_customers": ["Acme"]})
    incident, errors = authoring.validated(record)
    assert errors == {} and incident is not None
    assert incident.components == ["Checkout", "Search"] and incident.actions == ["Rolling back", "Watching it"]
    assert incident.started_at == datetime(2026, 12, 2, 9, 10, tzinfo=UTC)  # the form's times are UTC
    assert incident.cause == "a bad deploy" and incident.affected_customers == ["Acme"]  # kept from the last revision
    assert incident.contact is not None and incident.contact.phone is None
    shown = authoring.form_values(incident.model_dump(mode="json"))
    assert shown["started_at"] == "2026-12-02T09:10" and shown["actions"] == "Rolling back\nWatching it"


def test_bad_fields_are_said_by_name():
    record = authoring.record_from_form({**FORM, "started_at": "half past nine", "status": "fixed"}, previous=None)
    incident, errors = authoring.validated(record)
    assert incident is None and set(errors) == {"started_at", "status"}
