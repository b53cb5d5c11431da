"""Subscriptions end to end: sign up on the served status page in Chromium, confirm by the emailed link,
get updates for a followed component and none for another, leave with one click."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store
from notify.store.subscriptions import Tokens

from .conftest import EXAMPLES, ROOT, launch_chromium, needs_chromium
from .service import PASSWORDS, Service
from .smtp_server import SmtpServer

ARTIFACTS = ROOT / "tests" / "artifacts"


def approved(db: str, example: str, **changes: object) -> str:
    with open_store(db) as store:
        review = Review(store)
        incident = load_incident(str(EXAMPLES / example)).model_copy(update=changes)
        draft = review.create(incident, "dana")
        return review.approve(draft.id, "sam").id


def test_tokens_are_signed_for_one_purpose_and_expire():
    from datetime import UTC, datetime, timedelta

    tokens, now = Tokens(b"secret"), datetime(2026, 11, 23, tzinfo=UTC)
    token = tokens.issue("ana@example.net", "confirm", now)
    assert tokens.read(token, "confirm", now) == "ana@example.net"
    assert tokens.read(token, "unsubscribe", now) is None  # another purpose
    assert tokens.read(token, "confirm", now + timedelta(days=3)) is None  # expired
    assert tokens.read(token[:-1] + "0", "confirm", now) is None  # tampered
    assert Tokens(b"other").read(token, "confirm", now) is None


@needs_chromium
def test_sign_up_confirm_receive_and_unsubscribe(tmp_path: Path, smtp_server: SmtpServer):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    db = str(tmp_path / "service.db")
    for example, changes in (
        ("resolved.yaml", {"components": ["Sign-in"]}),
        ("resolved.yaml", {"id": "INC-2004", "components": ["Billing"]}),
    ):
        with open_store(db) as store:
            from notify.review import sending

            sending.publish(Review(store), approved(db, example, **changes), "sam", {})
    extra = f'[smtp]\nurl = "{smtp_server.url}"\nfrom = "Example Status <status@example.com>"\nsubscribers = "store"\n'
    with Service(tmp_path, db, extra=extra) as service, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1200})
            page.goto(service.url + "/")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "status-page-with-signup.png"), full_page=True)
            page.fill("#email", "fan@example.net")
            page.check("input[name=components][value='Sign-in']")
            page.click("form.subscribe button")
            assert page.locator("h1").inner_text() == "Check your inbox"

            confirmation = smtp_server.handler.received[-1]
            assert confirmation["To"] == "fan@example.net"
            link = re.search(r"http://\S+/subscribe/confirm\?token=\S+", confirmation.get_content()).group(0)
            page.goto(link)
            assert page.locator("h1").inner_text() == "You are subscribed"

            def send_from_review_page(draft_id: str) -> None:
                page.goto(service.url + "/login")
                page.fill("#name", "sam")
                page.fill("#password", PASSWORDS["sam"])
                page.click("button[type=submit]")
                page.goto(f"{service.url}/review/drafts/{draft_id}")
                page.click("button:has-text('Email subscribers')")
                assert "Sent" in page.locator(".notice").inner_text()

            received = len(smtp_server.handler.received)
            send_from_review_page(approved(db, "identified.yaml", id="INC-3001", components=["Sign-in"]))
            update = smtp_server.handler.received[-1]
            assert len(smtp_server.handler.received) == received + 1 and update["To"] == "fan@example.net"
            send_from_review_page(approved(db, "identified.yaml", id="INC-3002", components=["Billing"]))
            assert len(smtp_server.handler.received) == received + 1  # a component they do not follow

            one_click = re.search(r"<(http://[^>]+/unsubscribe\?token=[^>]+)>", update["List-Unsubscribe"]).group(1)
            assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            request = urllib.request.Request(one_click, data=b"List-Unsubscribe=One-Click", method="POST")
            with urllib.request.urlopen(request) as response:
                assert "You are unsubscribed" in response.read().decode()
            send_from_review_page(approved(db, "identified.yaml", id="INC-3003", components=["Sign-in"]))
            assert len(smtp_server.handler.received) == received + 1  # nothing after leaving
        finally:
            browser.close()
