"""One person's day in the browser (Playwright, Debian's Chromium): Dana starts an incident from a
template, the policy layer flags her apology, she fixes it and saves; Sam approves and publishes;
the page shows it under its group with uptime below 100 %; an update resolves it and it moves to
the history. Every page is checked by axe-core (0 violations) and the W3C validator, and the form,
the page (light and dark) and the history are saved as screenshots."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from .conftest import DATA, EXAMPLES, ROOT, launch_chromium, needs_chromium
from .service import Service
from .test_web_review import sign_in, validate_html

ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = (DATA / "axe" / "axe.min.js").read_text()
CATALOG = """
[incidents]
templates = "incident-templates"
[[components]]
name = "Checkout"
description = "Paying for orders"
group = "Shop"
[[components]]
name = "Search"
group = "Shop"
[[components]]
name = "Sign-in"
"""
pytestmark = needs_chromium


def keep(sources: dict[str, str], response) -> None:
    """Each HTML page as the server sent it, for the validator (a page left mid-load has no body)."""
    if "text/html" in response.headers.get("content-type", ""):
        with contextlib.suppress(Exception):  # Playwright's error for a body it no longer holds
            sources[response.url] = response.text()


def accessible(page, name: str) -> None:
    page.add_script_tag(content=AXE)
    violations = page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id + ': ' + v.help)")
    assert violations == [], f"{name}: {violations}"


def test_an_incident_written_reviewed_published_and_resolved_in_the_browser(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    shutil.copytree(EXAMPLES / "incident-templates", tmp_path / "incident-templates")
    ARTIFACTS.mkdir(exist_ok=True)
    sources: dict[str, str] = {}
    with Service(tmp_path, str(tmp_path / "service.db"), extra=CATALOG) as service, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context(bypass_csp=True)  # axe is injected; the pages' own CSP stays as served
            page = context.new_page()
            page.on(
                "response",
                lambda r: (
                    sources.update({r.url: r.text()}) if "text/html" in r.headers.get("content-type", "") else None
                ),
            )
            sign_in(page, service.url, "dana")
            page.click("text=New incident or maintenance")
            page.click("text=Degraded performance")
            assert page.input_value("#title") == "Slower than usual"  # the template's starting point
            page.fill("#title", "Checkout is slow")
            page.check("input[name='component.Checkout']")
            page.fill("#impact", "Since 09:10 UTC paying for an order takes up to a minute.")
            page.fill("#apology", "We apologize for any inconvenience this may have caused.")
            page.fill("#responsibility", "This is our failure: a change we made slowed checkout down.")
            page.fill("#remedy", "We will refund the delivery fee on every order placed while it was slow.")
            page.fill("#contact_name", "Dana Reyes")
            page.fill("#contact_email", "dana@example.com")
            page.click("button[value=check]")
            assert page.locator("#check-verdict").inner_text() == "blocked"
            flagged = page.locator("#apology + .finding, #apology ~ .finding").first.inner_text()
            assert "apology-non-apology" in flagged  # beside its field
            page.screenshot(path=str(ARTIFACTS / "new-incident-form.png"), full_page=True)
            accessible(page, "the new-incident form, checked")
            page.fill("#apology", "We are sorry that paying for your order took so long this morning.")
            page.click("button[value=check]")
            assert "apology-non-apology" not in page.locator("form.new-incident").inner_text()
            page.click("button[value=save]")
            assert "Saved as" in page.locator(".notice").inner_text()
            draft_id = page.url.rsplit("/", 1)[1].split("?")[0]

            page.click("button:has-text('Sign out')")
            sign_in(page, service.url, "sam")
            page.goto(f"{service.url}/review/drafts/{draft_id}")
            page.fill("#comment", "read it through")
            page.click("button:has-text('Approve')")
            assert page.locator("#state").inner_text() == "approved"
            page.click("button:has-text('Publish on the status page')")
            assert page.locator("#state").inner_text() == "published"

            page.goto(service.url + "/")
            shop = page.locator("h3", has_text="Shop")
            assert shop.count() == 1 and page.get_by_role("heading", name="Checkout", exact=True).count() == 1
            uptime = page.locator("li:has(h4:text('Checkout')) .uptime").inner_text()
            assert uptime.endswith("% uptime") and float(uptime.split()[0]) < 100
            assert "Checkout is slow" in page.locator("#open-heading + article").inner_text()
            page.screenshot(path=str(ARTIFACTS / "status-page-light.png"), full_page=True)
            accessible(page, "the status page")
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(ARTIFACTS / "status-page-dark.png"), full_page=True)
            accessible(page, "the status page, dark")
            page.emulate_media(color_scheme="light")

            page.goto(service.url + "/review")
            page.click("button:has-text('Sign out')")
            sign_in(page, service.url, "dana")  # Dana writes the update too
            page.goto(f"{service.url}/review/drafts/{draft_id}")
            page.click("text=Post an update to this incident")
            assert page.input_value("#title") == "Checkout is slow"  # prefilled from the last revision
            page.select_option("#status", "resolved")
            page.fill("#resolved_at", page.input_value("#next_update_at"))
            page.fill("#next_update_at", "")
            page.click("button[value=save]")
            update_id = page.url.rsplit("/", 1)[1].split("?")[0]
            assert update_id.endswith("-r2")

            page = browser.new_context(bypass_csp=True).new_page()  # Sam approves what Dana wrote
            page.on("response", lambda r: keep(sources, r))
            sign_in(page, service.url, "sam")
            page.goto(f"{service.url}/review/drafts/{update_id}")
            assert page.locator("#state").inner_text() == "pending"
            assert page.locator("#verdict").inner_text() == "pass", page.locator("main").inner_text()[:3000]
            page.click("button:has-text('Approve')")
            assert page.locator("#state").inner_text() == "approved", page.locator(".notice").inner_text()
            page.click("button:has-text('Publish on the status page')")
            page.goto(service.url + "/history")
            assert "Checkout is slow" in page.locator("main").inner_text()
            page.screenshot(path=str(ARTIFACTS / "history-page.png"), full_page=True)
            accessible(page, "the history")
            page.goto(service.url + "/")
            assert page.locator("#open-heading").count() == 0  # nothing open any more
        finally:
            browser.close()
    validate_html(tmp_path / "pages", sources)


def test_a_component_status_set_by_hand_shows_on_the_page_and_in_the_log(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    shutil.copytree(EXAMPLES / "incident-templates", tmp_path / "incident-templates")
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db, extra=CATALOG) as service, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context().new_page()
            sign_in(page, service.url, "sam")
            page.click("text=Components")
            form = page.locator("form.component-status", has_text="Search")
            form.locator("select").select_option("major")
            form.locator("input[name=reason]").fill("Moving the search index to new servers")
            form.locator("button").click()
            assert "Search is now partial outage" in page.locator(".notice").inner_text()
            page.goto(service.url + "/")
            row = page.locator("li:has(h4:text('Search'))")
            assert "Partial outage" in row.inner_text()
            summary = page.request.get(service.url + "/api/v2/components.json").json()
            search = next(c for c in summary["components"] if c["name"] == "Search")
            assert search["status"] == "partial_outage"
            page.goto(service.url + "/review/components")
            form = page.locator("form.component-status", has_text="Search")
            form.locator("select").select_option("operational")
            form.locator("input[name=reason]").fill("Done")
            form.locator("button").click()
            page.goto(service.url + "/")
            assert "Operational" in page.locator("li:has(h4:text('Search'))").inner_text()
        finally:
            browser.close()
    from notify.review.service import Review
    from notify.store.database import open_store

    with open_store(db) as store:
        entries = [e for e in Review(store).audit() if e.action == "set-component"]
    assert [(e.actor, e.detail["level"], e.detail["reason"]) for e in entries] == [
        ("sam", "major", "Moving the search index to new servers"),
        ("sam", "operational", "Done"),
    ]


def test_an_admin_adds_people_in_roles_and_a_new_password_ends_their_sessions(tmp_path: Path):
    from notify.web.auth import hash_password

    from .service import PASSWORDS

    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    admin = f'[[reviewers]]\nname = "root"\npassword_hash = "{hash_password("root-password-long")}"\nrole = "admin"\n'
    try:
        with Service(tmp_path, str(tmp_path / "service.db"), extra=admin) as service, playwright.sync_playwright() as p:
            PASSWORDS["root"] = "root-password-long"  # for sign_in, after the config was written
            browser = launch_chromium(p)
            try:
                root = browser.new_context().new_page()
                sign_in(root, service.url, "root")
                root.goto(service.url + "/review/people")
                root.fill("#person-name", "ana")
                root.select_option("#person-role", "author")
                root.fill("#person-password", "short")
                root.click("button[value=add]")
                assert "at least 12 characters" in root.locator(".notice").inner_text()
                root.fill("#person-name", "ana")
                root.fill("#person-password", "ana-password-long")
                root.click("button[value=add]")
                assert "Added ana as author" in root.locator(".notice").inner_text()

                PASSWORDS["ana"] = "ana-password-long"
                ana = browser.new_context().new_page()
                sign_in(ana, service.url, "ana")
                ana.goto(service.url + "/review/new")
                ana.fill("#title", "Search is slow")
                for field, text in (("impact", "Searches take up to ten seconds."),
                                    ("apology", "We are sorry that searching is slow for you today."),
                                    ("responsibility", "This is our failure: a change we made slowed search."),
                                    ("remedy", "We will refund this month's search add-on.")):  # fmt: skip
                    ana.fill(f"#{field}", text)
                ana.click("button[value=save]")
                draft_url = ana.url.split("?")[0]
                ana.goto(draft_url)
                ana.click("button:has-text('Approve')")
                assert "need a reviewer" in ana.locator(".notice").inner_text()  # an author writes drafts only
                assert ana.locator("#state").inner_text() == "pending"

                sam = browser.new_context().new_page()
                sign_in(sam, service.url, "sam")
                assert sam.goto(service.url + "/review/people").status == 403  # only an admin manages people

                root.goto(service.url + "/review/people")
                root.fill("#person-name", "ana")
                root.select_option("#person-role", "reviewer")
                root.fill("#person-password", "a-new-password-123")
                root.click("button[value=change]")
                assert "old password and sessions no longer work" in root.locator(".notice").inner_text()
                ana.goto(service.url + "/review")
                assert "/login" in ana.url  # the session opened with the old password has ended
            finally:
                browser.close()
    finally:
        PASSWORDS.pop("root", None)
        PASSWORDS.pop("ana", None)
