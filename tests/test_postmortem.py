"""Postmortems: the resolved incident explained to customers, through the same policy layer and review."""

from __future__ import annotations

from pathlib import Path

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run


def test_a_postmortem_explains_the_incident_in_plain_words_and_goes_through_review(tmp_path: Path):
    db = str(tmp_path / "n.db")
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(
        update={
            "cause": "A NIC failure on db-eu-3 stalled the mail queue, because our upstream provider AWS had an outage."
        }
    )
    with open_store(db) as store:
        Review(store).create(record, "dana")
    created = run("postmortem", "INC-2003", "--as", "dana", "--db", db)
    assert created.exit_code == 0 and created.output.strip() == "INC-2003-postmortem-r1"
    with open_store(db) as store:
        review = Review(store)
        draft = review.get("INC-2003-postmortem-r1")
        email = draft.messages["email_public"]["text"]
        assert draft.messages["email"]["subject"] == "[Follow-up] Email notifications were delayed"
        assert "**What you experienced**" in email and "email notifications arrived up to two hours late" in email
        assert "A network card failure on one of our servers stalled the mail queue." in email  # plain words
        assert "AWS" not in email and "NIC" not in email and "db-eu-3" not in email
        assert "18 Nov 2026, 10:55 UTC (investigating): Email notifications are arriving late." in email
        assert "We have added an alert that fires when emails wait longer than five minutes." in email
        assert "We have extended every affected password reset link by 24 hours" in email
        assert draft.state == "pending" and draft.verdict == "pass"
        assert review.approve(draft.id, "sam").state == "approved"  # the usual four-eyes review


def test_a_postmortem_needs_a_resolved_incident(tmp_path: Path):
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        Review(store).create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    result = run("postmortem", "INC-1042", "--db", db)
    assert result.exit_code == 2
    assert "INC-1042 is identified; a postmortem follows a resolved incident" in result.output


def test_a_cause_that_cannot_be_made_plain_blocks_the_postmortem(tmp_path: Path):
    """The README promises the internal cause never reaches customers as written."""
    db = str(tmp_path / "n.db")
    cause = (
        "Deploy 4f3a2c bumped the session cache TTL, one of our servers hit maxmemory, "
        "evictions -> repeated crash of sync_worker."
    )
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(update={"cause": cause})
    with open_store(db) as store:
        Review(store).create(record, "dana")
    assert run("postmortem", "INC-2003", "--as", "dana", "--db", db).exit_code == 0
    with open_store(db) as store:
        draft = Review(store).get("INC-2003-postmortem-r1")
    assert draft.verdict == "blocked"
    blocking = [f for f in draft.report["public"]["findings"] if f["field"] == "cause" and f["severity"] == "error"]
    assert blocking and all("put it in plain words" in f["message"] for f in blocking)
    email = draft.messages["email_public"]["text"]
    assert "We promised" not in email  # no update promised one
    assert "**What we did**" in email and "**What we are changing**" not in email


def _postmortem(tmp_path: Path, **fields: object):
    db = str(tmp_path / "n.db")
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(update=fields)
    with open_store(db) as store:
        Review(store).create(record, "dana")
    assert run("postmortem", "INC-2003", "--as", "dana", "--db", db).exit_code == 0
    with open_store(db) as store:
        return Review(store).get("INC-2003-postmortem-r1")


def test_what_happened_written_for_customers_is_told_instead_of_the_cause(tmp_path: Path):
    draft = _postmortem(
        tmp_path,
        cause="Deploy 4f3a2c bumped the retry TTL; sync_worker looped and our sending provider throttled us.",
        what_happened="A change we made to how emails are retried made them queue up instead of going out.",
        changes=["We now test every change to email sending against a full day of real traffic first."],
    )
    email = draft.messages["email_public"]["text"]
    assert "**What happened**\n\nA change we made to how emails are retried" in email
    assert "4f3a2c" not in email and "sync_worker" not in email and "throttled" not in email
    assert "**What we are changing**\n\n- We now test every change to email sending" in email
    assert draft.verdict == "pass"
    assert "4f3a2c" in str(draft.messages["internal"])  # staff still read the cause as written


def test_the_postmortem_fields_are_judged_like_every_public_field(tmp_path: Path):
    draft = _postmortem(
        tmp_path,
        what_happened="Our upstream provider AWS had an outage, which was beyond our control.",
        changes=["This will never happen again."],
    )
    findings = draft.report["public"]["findings"]
    assert any(f["field"] == "what_happened" and f["category"].startswith("blame") for f in findings)
    assert any(f["field"] == "changes.0" and f["category"] == "overpromise" for f in findings)
    assert draft.verdict == "blocked"  # the blame could not be cut without losing the sentence


def test_a_postmortem_needs_what_happened_or_a_cause(tmp_path: Path):
    db = str(tmp_path / "n.db")
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(update={"cause": ""})
    with open_store(db) as store:
        Review(store).create(record, "dana")
    result = run("postmortem", "INC-2003", "--as", "dana", "--db", db)
    assert result.exit_code == 2
    assert "neither `what_happened` nor a cause" in result.output and "add `what_happened:`" in result.output
