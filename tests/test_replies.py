"""Listening, end to end: an update goes out with a tagged Reply-To, then 100 messages come back over
real SMTP to notify's own inbound server (80 customers' replies, some threaded only by In-Reply-To,
10 auto-replies, 6 bounces, 2 complaints, 2 forged tags); the incident shows exactly the 80, the
bounced and complaining addresses get no further update, the forged ones are set aside, and a
reviewer answers one reply in the browser, threaded."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest

from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store import replies
from notify.store.database import open_store

from .conftest import EXAMPLES, ROOT, launch_chromium, needs_chromium, run
from .service import Service
from .smtp_server import SmtpServer, free_port
from .test_api import call, token
from .test_web_review import sign_in

INBOUND = "reply@status.example.com"
CUSTOMERS = [f"customer{i}@example.net" for i in range(80)]
HARD = ["gone1@example.net", "gone2@example.net", "gone3@example.net"]
SOFT = "full@example.net"
COMPLAINERS = ["angry1@example.net", "angry2@example.net"]


def reply(to: str, sender: str, subject: str, text: str, in_reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{abs(hash((sender, text, to)))}@example.net>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    quoted = "On Mon, Status wrote:\n> We are sorry that you could not sign in.\n> more quoted text\n"
    message.set_content(f"{text}\n\nBest,\n{sender.split('@')[0]}\n\n{quoted}")
    return message


def auto_reply(to: str, sender: str, index: int) -> EmailMessage:
    message = reply(to, sender, "Out of Office: back Monday" if index < 3 else "Re: [Identified] sign-in", "I am away.")
    if 3 <= index < 8:
        message["Auto-Submitted"] = "auto-replied"
    elif index >= 8:
        message["Precedence"] = "bulk"
    return message


def bounce(address: str, status: str, original_id: str, index: int) -> str:
    """An RFC 3464 delivery status notification, as an MTA writes it."""
    message = EmailMessage()
    message["From"], message["To"] = "MAILER-DAEMON@mx.example.net", INBOUND
    message["Subject"], message["Message-ID"] = "Undelivered Mail Returned to Sender", f"<dsn{index}@mx.example.net>"
    action = "failed"
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; {address}\r\nAction: {action}\r\n"
        f"Status: {status}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original_id}\r\nTo: {address}\r\n\r\n--B--\r\n"
    )
    return _raw(message, body, 'multipart/report; report-type="delivery-status"; boundary="B"')


def complaint(address: str, original_id: str, index: int) -> str:
    """An RFC 5965 feedback report (ARF), as a mailbox provider's feedback loop sends it."""
    message = EmailMessage()
    message["From"], message["To"] = "fbl@isp.example", INBOUND
    message["Subject"], message["Message-ID"] = "Abuse report", f"<arf{index}@isp.example>"
    body = (
        "--C\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--C\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp/1.0\r\n"
        f"Version: 1\r\nOriginal-Rcpt-To: {address}\r\n\r\n"
        f"--C\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original_id}\r\nTo: {address}\r\n\r\n--C--\r\n"
    )
    return _raw(message, body, 'multipart/report; report-type="feedback-report"; boundary="C"')


def _raw(message: EmailMessage, body: str, content_type: str) -> str:
    headers = "".join(
        f"{k}: {v}\r\n"
        for k, v in message.items()
        if k.lower() not in ("content-type", "mime-version", "content-transfer-encoding")
    )
    return headers + f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n" + body


@pytest.fixture
def listening(tmp_path: Path):
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email,components\n" + "".join(f"{a},\n" for a in [*CUSTOMERS, *HARD, SOFT, *COMPLAINERS]))
    port = free_port()
    with SmtpServer() as sink:
        extra = (
            f'[smtp]\nurl = "{sink.url}"\nfrom = "Example Status <status@example.com>"\nsubscribers = "{subscribers}"\n'
            f'[inbound]\nsmtp = "127.0.0.1:{port}"\naddress = "{INBOUND}"\nretention_days = 30\n'
        )
        db = str(tmp_path / "service.db")
        with Service(tmp_path, db, extra=extra) as service:
            service.db, service.sink, service.inbound_port, service.subscribers = db, sink, port, subscribers  # type: ignore[attr-defined]
            yield service


def send_update(service, record: Incident) -> str:
    with open_store(service.db) as store:
        review = Review(store)
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
    result = run("send", draft.id, "--db", service.db, "--smtp", service.sink.url, "--subscribers",
                 str(service.subscribers), "--from", "Example Status <status@example.com>",
                 "--reply-address", INBOUND, "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    return draft.id


def test_a_hundred_messages_come_back_and_each_lands_where_it_belongs(listening, tmp_path: Path):
    service = listening
    send_update(service, load_incident(str(EXAMPLES / "identified.yaml")))
    sent = {str(m["To"]): m for m in service.sink.handler.received}
    tag = str(sent[CUSTOMERS[0]]["Reply-To"]).split("<")[-1].rstrip(">")
    assert tag.startswith("reply+INC-1042.") and tag.endswith("@status.example.com")
    assert "Dana Reyes" in str(sent[CUSTOMERS[0]]["Reply-To"])  # the human's name stays

    mail: list[EmailMessage | str] = []
    for i, customer in enumerate(CUSTOMERS):
        words = "It is still broken for us." if i % 10 == 0 else "Thanks for telling us."
        if i == 7:
            words = "Also, Billing shows a double charge on my invoice."
        if i < 60:
            mail.append(reply(tag, customer, "Re: [Identified] Sign-in failures for EU customers", words))
        else:  # the client dropped the tag: threaded by In-Reply-To alone
            mail.append(reply(INBOUND, customer, "Re: sign-in", words, str(sent[customer]["Message-ID"])))
    mail += [auto_reply(tag, f"away{i}@example.net", i) for i in range(10)]
    mail += [bounce(a, "5.1.1", str(sent[a]["Message-ID"]), i) for i, a in enumerate(HARD)]
    mail += [bounce(SOFT, "4.2.2", str(sent[SOFT]["Message-ID"]), 10 + i) for i in range(3)]
    mail += [complaint(a, str(sent[a]["Message-ID"]), i) for i, a in enumerate(COMPLAINERS)]
    # a forged complaint about a customer, citing a Message-ID notify sent someone else: stops nobody
    mail[0] = reply(
        tag, CUSTOMERS[0], "Re: [Identified] Sign-in failures for EU customers", "It is still broken for us."
    )
    forged_report = complaint(CUSTOMERS[5], str(sent[CUSTOMERS[6]]["Message-ID"]), 9)
    forged = tag.split(".")[0] + ".0123456789abcdef@status.example.com"
    mail += [reply(forged, f"stranger{i}@example.org", "Re: sign-in", "Click here") for i in range(2)]
    assert len(mail) == 100

    with smtplib.SMTP("127.0.0.1", service.inbound_port, timeout=30) as smtp:
        smtp.sendmail("fbl@isp.example", [INBOUND], forged_report)
        for message in mail:
            raw = message if isinstance(message, str) else message.as_string()
            to = "reply+x@elsewhere.example"  # not our domain: refused at RCPT
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("a@example.net", [to], raw)
            recipient = forged if "stranger" in raw else (tag if tag in raw else INBOUND)
            smtp.sendmail("sender@example.net", [recipient], raw)

    with open_store(service.db) as store:
        kept = replies.of_incident(store, "INC-1042")
        counts = replies.counts(store, "INC-1042")
        aside = replies.of_incident(store, None, ("aside",))
        gone = replies.suppressed(store)
    assert len(kept) == 80 and {r.sender for r in kept} == set(CUSTOMERS)
    assert (counts["auto"], counts["bounce"], counts["complaint"]) == (10, 6, 2)
    assert len(aside) == 3 and all(r.incident_id is None for r in aside)  # two forged tags, one forged report
    assert all("quoted text" not in r.body and "wrote:" not in r.body for r in kept)  # their own words only
    assert all("Best," not in r.body for r in kept)  # and no sign-off
    assert gone == {*HARD, SOFT, *COMPLAINERS}

    before = len(service.sink.handler.received)
    record = load_incident(str(EXAMPLES / "identified.yaml")).model_dump(mode="json")
    record.update(status="resolved", resolved_at=record["started_at"], next_update_at=None)
    send_update(service, Incident.model_validate(record))
    later = {str(m["To"]) for m in service.sink.handler.received[before:]}
    assert later == set(CUSTOMERS)  # the bounced and the complaining get no further update

    listed = run("replies", "INC-1042", "--db", service.db, "--format", "json")
    rows = json.loads(listed.output)
    assert len(rows) == 80 and {"sender", "received_at", "text", "answered"} <= set(rows[0])
    status, over_api = call(service, "GET", "/api/v1/incidents/INC-1042/replies", token(service.db, "sam", "author"))
    assert status == 200 and len(over_api["replies"]) == 80
    assert call(service, "GET", "/api/v1/incidents/INC-1042/replies", None)[0] == 401  # signed-in people only
    with urllib.request.urlopen(service.url + "/") as response:
        assert "customer7@example.net" not in response.read().decode()  # never on a public page


@needs_chromium
def test_a_reviewer_answers_a_reply_in_the_browser_threaded(listening):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    service = listening
    send_update(service, load_incident(str(EXAMPLES / "resolved.yaml")))
    sent = {str(m["To"]): m for m in service.sink.handler.received}
    first = sent[CUSTOMERS[1]]
    tag = str(first["Reply-To"]).split("<")[-1].rstrip(">")
    with smtplib.SMTP("127.0.0.1", service.inbound_port, timeout=30) as smtp:
        smtp.send_message(reply(tag, CUSTOMERS[1], str(first["Subject"]), "Thank you, it works again."))
        smtp.send_message(reply(tag, CUSTOMERS[2], str(first["Subject"]), "Emails are still not arriving for us."))
        smtp.send_message(reply(tag, CUSTOMERS[3], str(first["Subject"]), "And the Dashboard is slow too?"))
    with open_store(service.db) as store:
        waiting = {r.sender: r for r in replies.of_incident(store, "INC-2003")}
    before = len(service.sink.handler.received)
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context().new_page()
            sign_in(page, service.url, "sam")
            page.goto(f"{service.url}/review/drafts/INC-2003-r1#replies")
            articles = page.locator("article.reply")
            assert articles.count() == 3
            assert "still broken after the resolved update" in articles.nth(0).inner_text()  # raised to the top
            assert "may be about another problem" in articles.nth(1).inner_text()  # "the Dashboard is slow too"
            assert "Look first" not in articles.nth(2).inner_text()  # a thank-you waits its turn
            page.locator("#replies").screenshot(path=str(artifacts / "replies-panel.png"))
            still = waiting[CUSTOMERS[2]]
            page.fill(f"#answer-{still.id}", "We apologize for any inconvenience.")
            page.click(f"#reply-{still.id} button")
            assert "not sent" in page.locator(".notice").inner_text()  # a canned non-apology is refused
            page.fill(
                f"#answer-{still.id}",
                "I am sorry, that is on us: your account was missed. I have resent every email from today, "
                "and they should reach you within the hour.",
            )
            page.click(f"#reply-{still.id} button")
            assert f"Your answer went to {CUSTOMERS[2]}" in page.locator(".notice").inner_text()
            assert "answered by sam" in page.locator(f"#reply-{still.id}").inner_text()
        finally:
            browser.close()
    [answer] = service.sink.handler.received[before:]
    assert str(answer["To"]) == CUSTOMERS[2]
    assert answer["In-Reply-To"] == still.message_id and still.message_id in answer["References"]
    assert str(answer["Subject"]) == f"Re: {first['Subject']}"
    assert "I have resent every email from today" in answer.get_content() and "sam" in answer.get_content()
    assert str(answer["Reply-To"]).startswith("reply+INC-2003.")


def test_replies_are_deleted_after_the_retention_period_and_the_log_says_so(tmp_path: Path):
    from datetime import timedelta

    from notify.review import replies as listening

    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        review = Review(store)
        review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
        raw = reply("x@status.example.com", "ana@example.net", "Re: hi", "Thanks.", None).as_bytes()
        filed = listening.receive(review, b"k" * 32, raw, ["x@status.example.com"], retention_days=30)
        assert filed.kind == "aside"  # no tag, no thread: set aside, not attached
        start = review.clock()
        review.clock = lambda: start + timedelta(days=29)
        assert listening.forget(review, 30) == 0
        review.clock = lambda: start + timedelta(days=31)
        assert listening.forget(review, 30) == 1
        assert replies.of_incident(store, None, ("aside",)) == []
        [entry] = [e for e in review.audit() if e.action == "delete-replies"]
        assert entry.detail == {"deleted": 1, "older_than_days": 30} and entry.actor == "notify:retention"


def test_a_reply_the_store_cannot_take_is_answered_451_so_the_sender_keeps_it():
    import asyncio
    from types import SimpleNamespace

    from notify.web.inbound import ReplyHandler

    class Down:
        def review(self):
            raise OSError("database is locked")

    config = SimpleNamespace(inbound=SimpleNamespace(address=INBOUND, retention_days=30))
    app = SimpleNamespace(state=SimpleNamespace(config=config, stores=Down(), secret=b"k"))
    envelope = SimpleNamespace(original_content=b"Subject: hi\r\n\r\nhello", content=b"", rcpt_tos=[INBOUND])
    answer = asyncio.run(ReplyHandler(app).handle_DATA(None, None, envelope))
    assert answer.startswith("451 ")  # a temporary failure: the sending server tries again, nothing is lost
