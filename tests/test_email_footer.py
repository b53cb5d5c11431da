"""Every update email ends with a link to the status page and the recipient's own way to leave, in
the email's language, filled in when it is sent: parsed back by the standard library, and every
quoted-printable line within RFC 2045's 76 characters."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from notify.record.draft import PAGE_LINK, UNSUBSCRIBE_LINK
from notify.record.sources import load_incident
from notify.resources import bundled_dir
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run
from .smtp_server import SmtpServer
from .test_languages import translated

LANGUAGES = ["en", *sorted(p.name for p in (bundled_dir("templates") / "i18n").iterdir() if p.is_dir())]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_email_template_in_every_language_ends_with_both_links(example: str, tmp_path: Path):
    """Each example takes its own template (identified, maintenance, resolved, ...), in English and
    in each translated language, to each audience."""
    incident = load_incident(str(EXAMPLES / example))
    others = {code: {"title": incident.title} for code in LANGUAGES if code != "en"}
    incident = incident.model_validate({**incident.model_dump(), "translations": others})
    with open_store(str(tmp_path / "n.db")) as store:
        draft = Review(store).create(incident, "dana")
    emails = {name: m for name, m in draft.messages.items() if name.startswith("email")}
    assert {n.split(".")[0] for n in emails} >= {"email", "email_public"}
    assert {n.partition(".")[2] or "en" for n in emails} == set(LANGUAGES)
    for name, message in emails.items():
        for part in ("text", "html"):
            assert message[part].count(PAGE_LINK) == 1 and message[part].count(UNSUBSCRIBE_LINK) == 1, (name, part)
        if name.endswith(".de"):
            assert "Statusseite" in message["html"] and "Keine E-Mails mehr erhalten" in message["text"]
        else:
            assert "status page" in message["html"] and "To stop these emails" in message["text"]


def send(db: str, draft_id: str, smtp: SmtpServer, subscribers: Path, *args: str):
    return run(
        "send", draft_id, "--db", db, "--smtp", smtp.url, "--subscribers", str(subscribers),
        "--from", "Status <status@example.com>", "--format", "json", *args,
    )  # fmt: skip


def approved(db: str) -> str:
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(translated(), "dana")
        review.approve(draft.id, "sam")
        return draft.id


def test_each_recipient_gets_their_own_link_in_their_language(tmp_path: Path, smtp_server: SmtpServer):
    db = str(tmp_path / "n.db")
    draft_id = approved(db)
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components,language\nana@example.net,,en\nbernd@example.de,,de\n")
    unsubscribe = "https://status.example.com/leave?list=ops&from=email"  # '=' and '&': QP escapes them
    result = send(db, draft_id, smtp_server, subscribers, "--unsubscribe-url", unsubscribe)
    assert json.loads(result.output)["sent"] == 2, result.output
    for raw in smtp_server.handler.raw:
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # SMTP's limit
        body = raw.split(b"\r\n\r\n", 1)[1]
        quoted = [line for line in body.split(b"\r\n") if not line.startswith(b"--")]
        assert max(len(line) for line in quoted) <= 76  # quoted-printable lines (RFC 2045), links filled in
        message = message_from_bytes(raw, policy=policy.default)
        own = str(message["List-Unsubscribe"]).strip("<>")
        assert own.startswith(unsubscribe + "&token=")
        text, html = (part.get_content() for part in message.iter_parts())
        assert f'href="{own}"' in html and own in text
        assert 'href="https://status.example.com/"' in html
        assert "notify.invalid" not in text + html
        if str(message["To"]) == "bernd@example.de":
            assert "Keine E-Mails mehr erhalten" in html and "Statusseite" in text
        else:
            assert "Stop these emails" in html
    tokens = {str(m["List-Unsubscribe"]) for m in smtp_server.handler.received}
    assert len(tokens) == 2  # each their own


def test_with_only_a_mailbox_the_footer_link_writes_to_it(tmp_path: Path, smtp_server: SmtpServer, monkeypatch):
    monkeypatch.delenv("NOTIFY_UNSUBSCRIBE_URL")
    db = str(tmp_path / "n.db")
    draft_id = approved(db)
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components\nana@example.net,\n")
    result = send(db, draft_id, smtp_server, subscribers, "--unsubscribe-mailbox", "leave@example.com")
    assert json.loads(result.output)["sent"] == 1, result.output
    [message] = smtp_server.handler.received
    html = message.get_body(("html",)).get_content()
    assert 'href="mailto:leave@example.com?subject=unsubscribe%20' in html


def test_without_a_page_address_nothing_is_sent(tmp_path: Path, smtp_server: SmtpServer, monkeypatch):
    monkeypatch.delenv("NOTIFY_PAGE_URL")
    db = str(tmp_path / "n.db")
    draft_id = approved(db)
    subscribers = tmp_path / "s.csv"
    subscribers.write_text("email,components\nana@example.net,\n")
    result = send(db, draft_id, smtp_server, subscribers)
    assert result.exit_code != 0 and "where is the status page?" in result.output and "--page-url" in result.output
    refused = send(db, draft_id, smtp_server, subscribers, "--page-url", "http://status.example.com/")
    assert refused.exit_code != 0 and "must be https://" in refused.output
    assert smtp_server.handler.received == []
