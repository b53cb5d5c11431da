"""Drafts, decisions and the audit log, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest

from notify.errors import ConflictError, InputError, ReviewRefused
from notify.record.draft import content_hash
from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.audit import verify
from notify.store.database import open_store

from .conftest import EXAMPLES, run

GOOD = load_incident(str(EXAMPLES / "identified.yaml"))
BLOCKED = load_incident(str(EXAMPLES / "stressed.yaml"))


class Clock:
    """An injected clock: each call is a second later, so the log's order is the order of events."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def review(store_location: str):
    store = open_store(store_location)
    yield Review(store, clock=Clock())
    store.close()


def test_full_lifecycle(review: Review):
    draft = review.create(GOOD, "dana")
    assert (draft.id, draft.state, draft.verdict, draft.revision) == ("INC-1042-r1", "pending", "pass", 1)
    assert draft.content_hash == content_hash(draft.messages)
    assert draft.messages["email"]["subject"] == "[Identified] Sign-in failures for EU customers"
    assert draft.report["public"]["verdict"] == "pass"
    approved = review.approve(draft.id, "sam", "credit wording checked")
    assert (approved.state, approved.decided_by) == ("approved", "sam")
    assert approved.decision_note == "credit wording checked"
    assert approved.approval_holds
    log = [(e.seq, e.actor, e.action, e.outcome, e.draft_id) for e in review.audit("INC-1042")]
    assert log == [(1, "dana", "draft", "ok", "INC-1042-r1"), (2, "sam", "approve", "ok", "INC-1042-r1")]
    assert review.audit()[0].at == "2026-11-22T09:30:01+00:00"
    assert review.verify() == []


def test_the_components_drafts_name_are_listed_without_reading_each_draft(review: Review):
    from notify.review import sending

    published = review.create(GOOD.model_copy(update={"id": "INC-1", "components": ["Sign-in", "Dashboard"]}), "dana")
    review.approve(published.id, "sam")
    sending.publish(review, published.id, "sam", {})
    review.create(GOOD.model_copy(update={"id": "INC-2", "components": ["Billing", "Sign-in"]}), "dana")
    review.create(GOOD.model_copy(update={"id": "INC-3", "components": []}), "dana")
    assert review.components_named() == {"Sign-in", "Dashboard", "Billing"}
    assert review.components_named("published") == {"Sign-in", "Dashboard"}  # what the sign-up page offers


def test_a_new_revision_supersedes_the_pending_one(review: Review):
    first = review.create(GOOD, "dana")
    second = review.create(GOOD.model_copy(update={"impact": "Customers in Europe still cannot sign in."}), "dana")
    assert second.revision == 2
    assert review.get(first.id).state == "superseded"
    with pytest.raises(ReviewRefused, match="was superseded by INC-1042-r2; review the newest revision"):
        review.approve(first.id, "sam")
    diff = review.diff(second.id)
    assert "-Customers in Europe could not sign in to the dashboard" in diff
    assert "+Customers in Europe still cannot sign in." in diff


def test_four_eyes_refuses_the_author_and_logs_the_attempt(review: Review):
    draft = review.create(GOOD, "dana")
    with pytest.raises(ReviewRefused, match="dana wrote INC-1042-r1 and cannot approve it too"):
        review.approve(draft.id, "dana")
    assert review.get(draft.id).state == "pending"
    assert [(e.action, e.outcome) for e in review.audit(draft.id)][-1] == ("approve", "refused")


def test_a_solo_team_can_switch_four_eyes_off(store_location: str):
    with open_store(store_location) as store:
        solo = Review(store, four_eyes=False)
        draft = solo.create(GOOD, "dana")
        assert solo.approve(draft.id, "dana").state == "approved"


def test_a_blocked_draft_is_stored_but_never_approved(review: Review):
    draft = review.create(BLOCKED, "dana")
    assert (draft.state, draft.verdict) == ("pending", "blocked")
    # stored as it would be sent (a waiver may release it), with no suggestion written in as if decided
    assert "Suggestion" not in draft.messages["status"]["markdown"]
    assert "SLA credit in accordance with the terms of your contract" in draft.messages["status"]["markdown"]
    with pytest.raises(ReviewRefused, match="blocked by the policy layer"):
        review.approve(draft.id, "sam")


def test_rejected_and_approved_drafts_cannot_be_decided_again(review: Review):
    rejected = review.create(GOOD, "dana")
    review.reject(rejected.id, "sam", "say which regions were affected")
    with pytest.raises(ReviewRefused, match="INC-1042-r1 is already rejected by sam"):
        review.approve(rejected.id, "lee")
    approved = review.create(GOOD, "dana")
    review.approve(approved.id, "sam")
    with pytest.raises(ReviewRefused, match="is already approved by sam"):
        review.reject(approved.id, "lee", "too late")
    with pytest.raises(InputError, match="a rejection needs a reason"):
        review.reject(approved.id, "lee", "  ")


def test_an_approval_no_longer_holds_when_a_byte_of_the_messages_changes(review: Review):
    draft = review.approve(review.create(GOOD, "dana").id, "sam")
    assert draft.approval_holds
    sms = {**draft.messages["sms"], "text": draft.messages["sms"]["text"] + "!"}
    edited = json.dumps({**draft.messages, "sms": sms}, sort_keys=True)
    with review.store.transaction() as tx:
        tx.execute("UPDATE drafts SET messages_json = ? WHERE id = ?", (edited, draft.id))
    assert not review.get(draft.id).approval_holds


def test_an_unknown_draft_gets_a_did_you_mean(review: Review):
    review.create(GOOD, "dana")
    with pytest.raises(InputError, match="no draft 'INC-1042-r2'; did you mean 'INC-1042-r1'"):
        review.approve("INC-1042-r2", "sam")


def _decide(location: str, draft_id: str, who: str, barrier: threading.Barrier, results: list[str]) -> None:
    with open_store(location) as store:
        review = Review(store)
        barrier.wait()
        try:
            if who.endswith(("0", "2", "4", "6", "8")):
                review.approve(draft_id, who)
            else:
                review.reject(draft_id, who, "not yet")
            results.append("won")
        except (ReviewRefused, ConflictError) as exc:
            results.append(type(exc).__name__)


def test_twenty_reviewers_at_once_make_exactly_one_decision(store_location: str):
    with open_store(store_location) as store:
        draft = Review(store).create(GOOD, "dana")
    barrier = threading.Barrier(20)
    results: list[str] = []
    threads = [
        threading.Thread(target=_decide, args=(store_location, draft.id, f"reviewer{i}", barrier, results))
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("won") == 1
    assert len(results) == 20
    with open_store(store_location) as store:
        review = Review(store)
        decided = review.get(draft.id)
        attempts = [e for e in review.audit(draft.id) if e.action in ("approve", "reject")]
        assert decided.state in ("approved", "rejected")
        assert len(attempts) == 20
        assert [e.actor for e in attempts if e.outcome == "ok"] == [decided.decided_by]
        assert {e.outcome for e in attempts} <= {"ok", "refused", "conflict"}
        assert review.verify() == []


def test_the_audit_log_is_append_only_and_an_edit_is_detected(review: Review):
    draft = review.create(GOOD, "dana")
    review.approve(draft.id, "sam")
    with pytest.raises(Exception, match="append-only"), review.store.transaction() as tx:
        tx.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    with review.store.transaction() as tx:  # someone with the database file or superuser rights
        if review.store.dialect == "sqlite":
            tx.execute("DROP TRIGGER audit_log_no_update")
        else:
            tx.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        tx.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    assert verify(review.store) == ["entry 2: its contents were changed after it was written"]


def test_a_failure_mid_draft_leaves_the_store_as_it_was(review: Review, monkeypatch: pytest.MonkeyPatch):
    first = review.create(GOOD, "dana")

    def crash(*_: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr("notify.store.drafts.insert", crash)
    with pytest.raises(RuntimeError):
        review.create(GOOD, "dana")
    assert review.get(first.id).state == "pending"  # the supersede was rolled back with the insert
    assert [e.action for e in review.audit()] == ["draft"]


def _open(location: str) -> None:
    open_store(location).close()


def test_two_processes_migrating_at_once_apply_each_migration_once(store_location: str):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_open, args=(store_location,)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0]
    with open_store(store_location) as store, store.transaction() as tx:
        versions = [row["version"] for row in tx.execute("SELECT version FROM schema_migrations ORDER BY version")]
    from notify.store.migrations import MIGRATIONS

    assert versions == [version for version, _, _ in MIGRATIONS]


def test_the_cli_review_flow(tmp_path, monkeypatch: pytest.MonkeyPatch):
    db = str(tmp_path / "cli.db")
    created = json.loads(
        run("draft", str(EXAMPLES / "identified.yaml"), "--as", "dana", "--db", db, "--format", "json").output
    )
    assert {"id", "state", "verdict"} <= set(created) and created["state"] == "pending"
    listed = json.loads(run("drafts", "--db", db, "--state", "pending", "--format", "json").output)
    assert [d["id"] for d in listed] == ["INC-1042-r1"]
    assert {"id", "incident", "revision", "state", "verdict", "author", "created_at"} <= set(listed[0])
    table = run("drafts", "--db", db).output.splitlines()
    assert table[0].split() == ["ID", "INCIDENT", "REV", "STATE", "VERDICT", "AUTHOR", "AGE"]
    refused = run("approve", "INC-1042-r1", "--as", "dana", "--db", db)
    assert refused.exit_code == 1 and "four-eyes" in refused.output
    assert run("approve", "INC-1042-r1", "--as", "sam", "--db", db).exit_code == 0
    shown = run("show", "INC-1042-r1", "--db", db, "--channel", "email").output
    assert "approval holds: the messages are exactly what was approved" in shown
    assert "Subject: [Identified] Sign-in failures for EU customers" in shown
    assert "━━ status ━━" not in shown
    log = run("audit", "INC-1042", "--db", db).output
    assert "[refused]" in log and "sam" in log
    verified = run("audit", "--verify", "--db", db)
    assert verified.exit_code == 0 and "audit log intact: 3 entries" in verified.output


def test_a_blocked_draft_shows_why(tmp_path):
    db = str(tmp_path / "cli.db")
    result = run("draft", str(EXAMPLES / "stressed.yaml"), "--as", "dana", "--db", db)
    assert result.exit_code == 0 and "INC-3131-r1" in result.output
    shown = run("show", "INC-3131-r1", "--db", db).output
    assert "error [apology-non-apology]" in shown
    assert "━━ rewrites ━━" in shown
    assert "  + (removed)" in shown


def test_drafts_are_listed_a_page_at_a_time_newest_first_from_the_columns(tmp_path):
    db = str(tmp_path / "many.db")
    base = load_incident(str(EXAMPLES / "identified.yaml")).model_dump(mode="json")
    with open_store(db) as store:
        for n in range(7):  # a minute apart: the clock keeps whole seconds
            at = datetime(2026, 12, 1, 9, n, tzinfo=UTC)
            Review(store, clock=lambda at=at: at).create(Incident.model_validate({**base, "id": f"INC-{n}"}), "dana")
        review = Review(store)
        page, total = review.summaries(limit=3, page=2)
    assert total == 7 and [d.id for d in page] == ["INC-3-r1", "INC-2-r1", "INC-1-r1"]
    assert page[0].messages == {} and page[0].content_hash  # the content was never decoded
    first = run("drafts", "--db", db, "--limit", "3")
    assert "INC-6-r1" in first.output and "INC-3-r1" not in first.output
    assert "3 of 7 shown; --page 2 for the next 3" in first.output
    last = run("drafts", "--db", db, "--limit", "3", "--page", "3", "--format", "json")
    assert [d["id"] for d in json.loads(last.output)] == ["INC-0-r1"]
