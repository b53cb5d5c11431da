"""Email delivery against a real SMTP server (aiosmtpd on 127.0.0.1), through the outbox."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from notify.delivery.mailer import message_id
from notify.delivery.sender import FLUSH_EVERY
from notify.record.draft import PAGE_LINK, UNSUBSCRIBE_LINK
from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, ROOT, run
from .smtp_server import SmtpServer

FROM = "Example Status <status@example.com>"


def approved_draft(location: str, example: str = "identified.yaml") -> str:
    with open_store(location) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / example)), "dana")
        review.approve(draft.id, "sam")
        return draft.id


def subscribers_csv(path: Path, count: int, extra: str = "") -> Path:
    lines = ["email,components,customer"] + [f"user{i}@example.net,," for i in range(count)]
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def send(db: str, draft_id: str, smtp: SmtpServer, subscribers: Path, *args: str):
    return run(
        "send",
        draft_id,
        "--db",
        db,
        "--smtp",
        smtp.url,
        "--subscribers",
        str(subscribers),
        "--from",
        FROM,
        "--unsubscribe-url",
        "https://status.example.com/unsubscribe",
        "--retry-base",
        "0.05",
        *args,
    )


def test_messages_arrive_whole_with_the_headers_mail_clients_expect(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    result = send(db, draft_id, smtp_server, subscribers_csv(tmp_path / "s.csv", 3), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"] == 3
    received = smtp_server.handler.received
    assert len(received) == 3
    with open_store(db) as store:
        approved = Review(store).get(draft_id)
    message = next(m for m in received if str(m["To"]) == "user1@example.net")
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content().replace("\r\n", "\n") for part in message.iter_parts())  # SMTP sends CRLF
    # the approved words byte for byte; the footer's two links are this page's and this recipient's
    own_link = message["List-Unsubscribe"].strip("<>")
    assert own_link.startswith("https://status.example.com/unsubscribe?token=")

    def filled(approved_part: str) -> str:
        return approved_part.replace(PAGE_LINK, "https://status.example.com/").replace(UNSUBSCRIBE_LINK, own_link)

    assert text == filled(approved.messages["email_public"]["text"])
    assert html == filled(approved.messages["email_public"]["html"])
    assert f"To stop these emails:\n{own_link}\n" in text and f'<a href="{own_link}">Stop these emails</a>' in html
    assert "notify.invalid" not in text + html
    assert message["Subject"] == "[Identified] Sign-in failures for EU customers"
    assert message["From"] == FROM
    assert message["Reply-To"] == "Dana Reyes <dana@example.com>"  # a human, from the record
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    assert message["Message-ID"] == message_id(draft_id, "user1@example.net", "example.com")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://status.example.com/unsubscribe?token=" in message["List-Unsubscribe"]
    assert "mailto:" not in message["List-Unsubscribe"]  # no mailbox was named: none is invented
    assert len({m["Message-ID"] for m in received}) == 3
    again = send(db, draft_id, smtp_server, subscribers_csv(tmp_path / "s.csv", 3))
    assert "sent 0" in again.output and len(smtp_server.handler.received) == 3  # nothing twice
    with open_store(db) as store:
        assert Review(store).get(draft_id).state == "published"


def test_affected_customers_get_the_customers_email_and_others_the_public_one(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    subscribers = tmp_path / "s.csv"
    subscribers.write_text(
        "email,components,customer\nops@acme.example,,Acme Corp\nfan@example.net,Dashboard,\n"
        "billing-only@example.net,Billing,\n"
    )
    planned = json.loads(send(db, draft_id, smtp_server, subscribers, "--dry-run", "--format", "json").output)
    assert planned == {
        "draft": draft_id,
        "recipients": 2,
        "by_audience": {"customers": 1, "public": 1},
        "skipped": 1,
        "bad_rows": 0,
    }
    assert smtp_server.handler.received == []  # a dry run sends nothing
    result = send(db, draft_id, smtp_server, subscribers)
    assert "sent 2, retried 0, failed 0, skipped 1" in result.output


def test_temporary_failures_are_retried_and_delivered_once(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    smtp_server.handler.script = {
        "user0@example.net": ["421 4.7.0 too busy, come back later"],
        "user1@example.net": ["451 4.3.0 greylisted", "451 4.3.0 greylisted"],
        "user2@example.net": ["drop"],
    }
    result = send(db, draft_id, smtp_server, subscribers_csv(tmp_path / "s.csv", 5), "--format", "json")
    summary = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert summary["sent"] == 5 and summary["failed"] == 0 and summary["retried"] == 4
    assert set(smtp_server.handler.count_by_recipient().values()) == {1}


def test_a_refused_recipient_is_recorded_and_the_rest_delivered(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    smtp_server.handler.script = {"user3@example.net": ["550 5.1.1 no such mailbox"]}
    result = send(db, draft_id, smtp_server, subscribers_csv(tmp_path / "s.csv", 6), "--format", "json")
    assert result.exit_code == 3
    summary = json.loads(result.output)
    assert summary["sent"] == 5 and summary["failed"] == 1
    assert summary["failures"] == [{"recipient": "user3@example.net", "error": "550 5.1.1 no such mailbox"}]
    assert "user3@example.net" not in smtp_server.handler.count_by_recipient()


def test_a_server_that_never_recovers_is_given_up_on(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    smtp_server.handler.script = {"user0@example.net": ["451 4.3.0 later"] * 10}
    result = send(
        db, draft_id, smtp_server, subscribers_csv(tmp_path / "s.csv", 2), "--max-attempts", "3", "--format", "json"
    )
    summary = json.loads(result.output)
    assert result.exit_code == 3
    assert summary["failures"] == [
        {"recipient": "user0@example.net", "error": "gave up after 3 tries: 451 4.3.0 later"}
    ]


def test_bad_subscriber_rows_are_reported_with_their_line(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    subscribers = subscribers_csv(tmp_path / "s.csv", 2, "not-an-address,,\nuser1@example.net,,\n")
    result = send(db, draft_id, smtp_server, subscribers)
    assert f"{subscribers}:4: 'not-an-address' is not an email address; row skipped" in result.output
    assert f"{subscribers}:5: user1@example.net is already on line 3; duplicate skipped" in result.output
    assert len(smtp_server.handler.received) == 2


def test_only_an_approved_unchanged_draft_is_sent(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        pending = Review(store).create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    subscribers = subscribers_csv(tmp_path / "s.csv", 2)
    refused = send(db, pending.id, smtp_server, subscribers)
    assert refused.exit_code == 1 and "is pending; only an approved draft is sent" in refused.output
    approved = approved_draft(db, "resolved.yaml")
    with open_store(db) as store, store.transaction() as tx:
        row = tx.execute("SELECT messages_json FROM drafts WHERE id = ?", (approved,))[0]
        edited = row["messages_json"].replace("We are sorry", "We are not sorry")
        tx.execute("UPDATE drafts SET messages_json = ? WHERE id = ?", (edited, approved))
    edited_result = send(db, approved, smtp_server, subscribers)
    assert edited_result.exit_code == 1
    assert "messages changed after they were approved; nothing was sent" in edited_result.output
    assert smtp_server.handler.received == []


def test_smtp_credentials_are_never_printed(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    url = f"smtp://notify:s3cret-pw@127.0.0.1:{free_closed_port()}?starttls=0&timeout=1"
    result = run(
        "send",
        draft_id,
        "--db",
        db,
        "--smtp",
        url,
        "--subscribers",
        str(subscribers_csv(tmp_path / "s.csv", 1)),
        "--from",
        FROM,
        "--max-attempts",
        "1",
    )
    assert result.exit_code == 3
    assert "s3cret-pw" not in result.output


def free_closed_port() -> int:
    from .smtp_server import free_port

    return free_port()


def _sender(db: str, draft_id: str, smtp: SmtpServer, subscribers: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)  # the same NOTIFY_HOME as this test: one key for tokens and the audit chain
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from notify.cli.main import main; main()",
            "send",
            draft_id,
            "--db",
            db,
            "--smtp",
            smtp.url,
            "--subscribers",
            str(subscribers),
            "--from",
            FROM,
            "--concurrency",
            "8",
            "--format",
            "json",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_sender_killed_at_random_points_resumes_without_losing_anyone(
    tmp_path: Path, smtp_server: SmtpServer, store_location: str
):
    db = store_location
    draft_id = approved_draft(db)
    subscribers = subscribers_csv(tmp_path / "s.csv", 2000)
    rng = random.Random(20261123)
    kills = 0
    for _ in range(3):
        process = _sender(db, draft_id, smtp_server, subscribers)
        time.sleep(rng.uniform(0.6, 1.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    final = _sender(db, draft_id, smtp_server, subscribers)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    counts = smtp_server.handler.count_by_recipient()
    assert len(counts) == 2000  # everyone got the update
    duplicates = sum(n - 1 for n in counts.values())
    window = 8 + FLUSH_EVERY  # messages in flight plus outcomes not yet written, per kill
    kind = "postgresql" if db.startswith("postgresql") else "sqlite"
    print(f"\n{kind}: {kills} kills, 0 of 2000 lost, {duplicates} duplicates (bound {kills * window})")
    assert duplicates <= kills * window
    with open_store(db) as store, store.transaction() as tx:
        states = tx.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
    assert states == [{"state": "sent", "n": 2000}]


def test_a_clean_stop_on_sigint_sends_nothing_new_and_resumes(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    subscribers = subscribers_csv(tmp_path / "s.csv", 1500)
    process = _sender(db, draft_id, smtp_server, subscribers)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    stopped = json.loads(out)
    with open_store(db) as store, store.transaction() as tx:
        sending = tx.execute("SELECT COUNT(*) AS n FROM outbox WHERE state = 'sending'")[0]["n"]
    assert sending == 0  # every claimed, unsent row went back to the queue
    assert stopped["sent"] == sum(smtp_server.handler.count_by_recipient().values())
    resumed = _sender(db, draft_id, smtp_server, subscribers)
    resumed.communicate(timeout=120)
    counts = smtp_server.handler.count_by_recipient()
    assert len(counts) == 1500 and set(counts.values()) == {1}


def test_two_workers_on_postgresql_share_one_outbox(tmp_path: Path, smtp_server: SmtpServer, postgres_location: str):
    store_location = postgres_location
    from notify.delivery import dispatch
    from notify.record.subscribers import load_subscribers
    from notify.resources import secret_key
    from notify.review import sending

    draft_id = approved_draft(store_location)
    subscribers, _ = load_subscribers(str(subscribers_csv(tmp_path / "s.csv", 600)))
    with open_store(store_location) as store:
        review = Review(store)
        sending.enqueue(review, dispatch.plan(review.get(draft_id), subscribers, secret_key(), "example.com"), "ops")
    env = {**os.environ, "NOTIFY_HOME": str(tmp_path / "home")}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from notify.cli.main import main; main()",
                "send",
                draft_id,
                "--worker",
                "--db",
                store_location,
                "--smtp",
                smtp_server.url,
                "--from",
                FROM,
                "--format",
                "json",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [json.loads(w.communicate(timeout=120)[0]) for w in workers]
    counts = smtp_server.handler.count_by_recipient()
    assert len(counts) == 600 and set(counts.values()) == {1}  # nobody twice
    assert all(r["sent"] > 0 for r in results)  # both did part of the work
    assert sum(r["sent"] for r in results) == 600


def test_a_subscriber_list_over_a_mebibyte_is_read_and_one_over_its_limit_says_what_to_do(tmp_path: Path, monkeypatch):
    import pytest

    from notify.errors import InputError
    from notify.record import subscribers

    big = tmp_path / "big.csv"
    big.write_text("email,components\n" + "".join(f"someone.person{i}@example-company.net,\n" for i in range(50_000)))
    assert big.stat().st_size > 1024 * 1024
    loaded, problems = subscribers.load_subscribers(str(big))
    assert len(loaded) == 50_000 and problems == []
    huge = tmp_path / "huge.csv"
    huge.write_text("email\n" + "a@example.net\n" * 10)
    monkeypatch.setattr(subscribers, "SUBSCRIBERS_LIMIT", 64)  # the same check, at a size a test can write
    with pytest.raises(InputError) as caught:
        subscribers.load_subscribers(str(huge))
    assert "split the list" in str(caught.value) and "incident record" not in str(caught.value)


def test_a_list_broken_halfway_queues_nobody_and_says_where(tmp_path: Path, smtp_server: SmtpServer):
    """The list is read as it is queued: a bad byte on row 3,000 must not leave the first 2,999 queued
    (a resend would then skip the fix), nor send anything."""
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    broken = tmp_path / "s.csv"
    broken.write_bytes(subscribers_csv(tmp_path / "ok.csv", 2_999).read_bytes() + b"caf\xe9@example.net,,\n")
    result = send(db, draft_id, smtp_server, broken)
    assert result.exit_code != 0 and "is not UTF-8 text" in result.output and "save the file as UTF-8" in result.output
    assert smtp_server.handler.received == []
    with open_store(db) as store, store.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0
    fixed = send(db, draft_id, smtp_server, subscribers_csv(tmp_path / "s2.csv", 2_999))
    assert fixed.exit_code == 0 and len(smtp_server.handler.received) == 2_999


def test_a_dry_run_counts_a_streamed_list_and_reports_its_bad_rows(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved_draft(db)
    subscribers = subscribers_csv(tmp_path / "s.csv", 5, "nope,,\n")
    result = send(db, draft_id, smtp_server, subscribers, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"{subscribers}:7: 'nope' is not an email address; row skipped" in result.output
    plan = json.loads(result.output[result.output.index("{") :])
    assert plan["recipients"] == 5 and plan["bad_rows"] == 1 and plan["by_audience"] == {"public": 5}
    assert smtp_server.handler.received == []


def test_every_duplicate_in_a_long_list_is_skipped_with_the_line_it_repeats(tmp_path: Path):
    """Duplicates are found with a compact table of digests, not a dict of addresses: across the
    table's growth, every repeat (in any case) names the line it first appeared on, and no new
    address is taken for a repeat."""
    from notify.record import subscribers

    rows = [f"person{i}@example.net" for i in range(40_000)]
    repeats = {40_000 + 2 + k: i for k, i in enumerate(range(0, 40_000, 997))}  # line -> index repeated
    lines = rows + [rows[i].upper().replace("EXAMPLE.NET", "example.net") for i in repeats.values()]
    path = tmp_path / "s.csv"
    path.write_text("email\n" + "".join(f"{email}\n" for email in lines))
    loaded, problems = subscribers.load_subscribers(str(path))
    assert [s.email for s in loaded] == rows
    assert [(p.line, p.message) for p in problems] == [
        (line, f"{lines[line - 2]} is already on line {i + 2}; duplicate skipped") for line, i in repeats.items()
    ]
