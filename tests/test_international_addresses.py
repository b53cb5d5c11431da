"""Internationalised addresses (RFC 6530): an IDNA domain goes to any server in its ASCII form;
letters beyond ASCII before the @ go with SMTPUTF8 where the server offers it, and fail for good,
said plainly, where it does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notify.record.subscribers import load_subscribers, normalise_email
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import run
from .smtp_server import SmtpServer
from .test_delivery import approved_draft


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("bernd@müller.example", "bernd@xn--mller-kva.example"),
        ("jörg.müller@example.de", "jörg.müller@example.de"),
        ("jo\u0308rg@example.de", "jörg@example.de"),  # NFC: one letter, however it was typed
        ("  ana@example.net ", "ana@example.net"),
        ("李@例え.テスト", "李@xn--r8jz45g.xn--zckzah"),
    ],
)
def test_addresses_are_kept_in_the_form_servers_take(typed: str, kept: str):
    assert normalise_email(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "no-at-sign",
        "two@@example.com",
        "jörg müller@example.de",
        "bidi\u202e@example.de",
        "a@-bad-.example",
        ".dot@example.de",
    ],
)
def test_what_is_not_an_address_is_refused(typed: str):
    assert normalise_email(typed) is None


def subscribers(tmp_path: Path) -> Path:
    path = tmp_path / "s.csv"
    path.write_text("email,components\njörg.müller@example.de,\nbernd@müller.example,\nana@example.net,\n")
    return path


def send(db: str, server: SmtpServer, path: Path):
    draft_id = approved_draft(db)
    result = run(
        "send", draft_id, "--db", db, "--smtp", server.url, "--subscribers", str(path),
        "--from", "Status <status@example.com>", "--format", "json", "--retry-base", "0.05",
    )  # fmt: skip
    return json.loads(result.output), draft_id


def test_a_server_with_smtputf8_gets_every_address(tmp_path: Path):
    loaded, problems = load_subscribers(str(subscribers(tmp_path)))
    assert problems == [] and [s.email for s in loaded][:2] == ["jörg.müller@example.de", "bernd@xn--mller-kva.example"]
    with SmtpServer(smtputf8=True) as server:
        summary, _ = send(str(tmp_path / "n.db"), server, subscribers(tmp_path))
        assert summary["sent"] == 3 and summary["failed"] == 0
        to = sorted(str(m["To"]) for m in server.handler.received)
        assert to == ["ana@example.net", "bernd@xn--mller-kva.example", "jörg.müller@example.de"]
        raw = next(r for r in server.handler.raw if "jörg".encode() in r.split(b"\r\n\r\n")[0])
        assert "To: jörg.müller@example.de".encode() in raw  # a UTF-8 header, as RFC 6532 has it


def test_a_server_without_it_refuses_only_the_address_that_needs_it(tmp_path: Path):
    db = str(tmp_path / "n.db")
    with SmtpServer(smtputf8=False) as server:
        summary, draft_id = send(db, server, subscribers(tmp_path))
        assert summary["sent"] == 2 and summary["failed"] == 1
        assert sorted(str(m["To"]) for m in server.handler.received) == [
            "ana@example.net",
            "bernd@xn--mller-kva.example",
        ]
    [failure] = summary["failures"]
    assert failure["recipient"] == "jörg.müller@example.de" and "does not offer SMTPUTF8" in failure["error"]
    with open_store(db) as store:
        assert Review(store).get(draft_id).state == "published"  # the rest went out
