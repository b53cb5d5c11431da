"""Scheduled maintenance moves itself along at the right times, with an injected clock."""

from __future__ import annotations

from pathlib import Path

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run
from .smtp_server import SmtpServer


def tick(db: str, now: str, smtp: SmtpServer, subscribers: Path):
    return run(
        "tick",
        "--db",
        db,
        "--now",
        now,
        "--smtp",
        smtp.url,
        "--subscribers",
        str(subscribers),
        "--from",
        "Example Status <status@example.com>",
    )


def test_a_reminder_at_the_right_time_then_start_and_completion(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components\nops@example.net,Dashboard\nbilling@example.net,Billing\n")
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / "maintenance.yaml")), "dana")
        assert tick(db, "2026-12-05T01:30:00Z", smtp_server, subscribers).output.strip() == "nothing to do"
        review.approve(draft.id, "sam")  # only an approved schedule runs itself

    early = tick(db, "2026-12-05T00:30:00Z", smtp_server, subscribers)
    assert early.output.strip() == "nothing to do" and smtp_server.handler.received == []

    reminded = tick(db, "2026-12-05T01:05:00Z", smtp_server, subscribers)
    assert "MNT-0007: remind -> MNT-0007-r2 (approved)" in reminded.output
    assert [str(m["To"]) for m in smtp_server.handler.received] == ["ops@example.net"]  # a follower only
    reminder = smtp_server.handler.received[0]
    assert reminder["Subject"] == "[Reminder: Scheduled] Planned database upgrade"  # one bracket
    assert (
        "A reminder: the planned maintenance on Dashboard and Public API starts at 5 Dec 2026, 02:00 UTC"
        in reminder.get_body(("plain",)).get_content().replace("\r\n", "\n")
    )

    assert tick(db, "2026-12-05T01:20:00Z", smtp_server, subscribers).output.strip() == "nothing to do"

    started = tick(db, "2026-12-05T02:00:00Z", smtp_server, subscribers)
    assert "MNT-0007: start -> MNT-0007-r3 (approved)" in started.output
    completed = tick(db, "2026-12-05T03:01:00Z", smtp_server, subscribers)
    assert "MNT-0007: complete -> MNT-0007-r4 (approved)" in completed.output
    subjects = [m["Subject"] for m in smtp_server.handler.received]
    assert subjects[1:] == ["[In Progress] Planned database upgrade", "[Completed] Planned database upgrade"]

    with open_store(db) as store:
        review = Review(store)
        approvals = [(e.draft_id, e.actor) for e in review.audit("MNT-0007") if e.action == "approve"]
        assert approvals == [
            ("MNT-0007-r1", "sam"),
            ("MNT-0007-r2", "notify:schedule"),
            ("MNT-0007-r3", "notify:schedule"),
            ("MNT-0007-r4", "notify:schedule"),
        ]
        assert review.verify() == []


def test_a_schedule_stored_before_the_maintenance_column_still_runs_after_the_upgrade(
    tmp_path: Path, smtp_server: SmtpServer
):
    """`notify tick` reads only the drafts marked as maintenance; the upgrade marks those already
    stored from their records, or a schedule approved last week would silently never start."""
    db = str(tmp_path / "n.db")
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components\nops@example.net,\n")
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / "maintenance.yaml")), "dana")
        review.approve(draft.id, "sam")
        review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")  # an incident: not moved along
        connection = store._connection  # the store as the previous version left it
        connection.execute("DROP INDEX drafts_maintenance")
        connection.execute("ALTER TABLE drafts DROP COLUMN maintenance")
        connection.execute("DELETE FROM schema_migrations WHERE version = 19")
    with open_store(db) as upgraded:
        assert [d.id for d in Review(upgraded).maintenance()] == [draft.id]
    started = tick(db, "2026-12-05T02:00:00Z", smtp_server, subscribers)
    assert "MNT-0007: start -> MNT-0007-r2 (approved)" in started.output
