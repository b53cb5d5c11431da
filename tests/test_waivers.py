"""Waivers: a second person accepts a finding for one draft, with a reason, on both stores and in a browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.errors import InputError, ReviewRefused
from notify.record.sources import load_incident
from notify.review.service import Review, blocking_rules
from notify.store.database import open_store
from notify.store.waivers import stats

from .conftest import EXAMPLES, launch_chromium, needs_chromium, run
from .service import PASSWORDS, Service

GOOD = load_incident(str(EXAMPLES / "identified.yaml"))
# "We apologize for the inconvenience" is plain and unhedged: LABELING.md counts it as sincere (borderline),
# while apology-non-apology blocks it. A reviewer may rightly disagree with the rule here.
PLAIN_APOLOGY = GOOD.model_copy(update={"apology": "We apologize for the inconvenience this morning."})
NAMED = GOOD.model_copy(update={"impact": "Acme Corp could not sign in. Customers in Europe could not sign in."})
REASON = "A plain, unhedged apology for what happened; the rule is too strict here."


@pytest.fixture
def review(store_location: str):
    store = open_store(store_location)
    yield Review(store)
    store.close()


def test_a_waiver_lets_a_second_person_approve_and_lands_in_the_audit_log(review: Review):
    draft = review.create(PLAIN_APOLOGY, "dana")
    assert draft.verdict == "blocked" and blocking_rules(draft.report) == ["apology-non-apology"]
    with pytest.raises(ReviewRefused, match=r"blocked by the policy layer \(apology-non-apology\)"):
        review.approve(draft.id, "sam")
    with pytest.raises(ReviewRefused, match="four-eyes"):
        review.approve(draft.id, "dana", waive={"apology-non-apology": REASON})
    with pytest.raises(InputError, match="needs a reason"):
        review.approve(draft.id, "sam", waive={"apology-non-apology": "  "})
    with pytest.raises(ReviewRefused, match="no finding of rule 'apology-conditional'"):
        review.approve(draft.id, "sam", waive={"apology-conditional": REASON})
    assert review.get(draft.id).state == "pending" and review.waivers(draft.id) == []

    approved = review.approve(draft.id, "sam", waive={"apology-non-apology": REASON})
    assert approved.state == "approved" and approved.approval_holds
    [waiver] = review.waivers(draft.id)
    assert (waiver.rule, waiver.waived_by, waiver.reason) == ("apology-non-apology", "sam", REASON)
    assert waiver.content_hash == approved.content_hash
    log = [(e.actor, e.action, e.outcome, e.detail.get("rule")) for e in review.audit(draft.id)]
    assert log[-2:] == [("sam", "waive", "ok", "apology-non-apology"), ("sam", "approve", "ok", None)]
    assert review.audit(draft.id)[-1].detail["waived"] == ["apology-non-apology"]
    assert review.verify() == []
    assert [(s["rule"], s["waived"], s["last_reason"]) for s in stats(review.store)] == [
        ("apology-non-apology", 1, REASON)
    ]


def test_the_waived_draft_is_sent_as_written_not_as_a_preview(review: Review):
    draft = review.create(PLAIN_APOLOGY, "dana")
    markdown = draft.messages["status"]["markdown"]
    assert "We apologize for the inconvenience this morning." in markdown
    assert "DRAFT" not in markdown and "Suggestion" not in markdown


def test_privacy_findings_cannot_be_waived(review: Review):
    draft = review.create(NAMED.model_copy(update={"affected_customers": ["Acme Corp"]}), "dana")
    assert any(f["category"] == "privacy" for result in draft.report.values() for f in result["findings"])
    with pytest.raises(ReviewRefused, match=r"privacy-customer-names \(privacy\) cannot be waived"):
        review.approve(draft.id, "sam", waive={"privacy-customer-names": "they agreed to be named"})


def test_the_cli_waives_shows_and_counts(tmp_path: Path):
    record = tmp_path / "inc.yaml"
    text = (EXAMPLES / "identified.yaml").read_text()
    record.write_text(
        "\n".join(
            "apology: We apologize for the inconvenience this morning." if line.startswith("apology:") else line
            for line in text.splitlines()
        )
        + "\n"
    )
    db = str(tmp_path / "notify.db")
    assert run("draft", str(record), "--as", "dana", "--db", db).exit_code == 0
    refused = run("approve", "INC-1042-r1", "--as", "sam", "--waive", "apology-non-apology", "--db", db)
    assert refused.exit_code == 2 and "--waive needs --reason" in refused.output
    done = run(
        "approve", "INC-1042-r1", "--as", "sam", "--waive", "apology-non-apology", "--reason", REASON, "--db", db
    )
    assert done.exit_code == 0, done.output
    assert done.output.startswith("INC-1042-r1 approved by sam, waiving apology-non-apology")
    shown = run("show", "INC-1042-r1", "--db", db).output
    assert "waived [apology-non-apology] by sam at " in shown and REASON in shown
    assert f"[apology-non-apology] {REASON}" in run("audit", "INC-1042", "--db", db).output
    counted = run("rules", "--stats", "--db", db).output
    assert counted.startswith("apology-non-apology") and "1 waived  last by sam" in counted


@needs_chromium
def test_a_reviewer_waives_a_finding_in_the_browser(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    db = str(tmp_path / "service.db")
    with open_store(db) as store:
        draft = Review(store).create(PLAIN_APOLOGY, "dana")
    with Service(tmp_path, db) as service, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context().new_page()
            page.goto(service.url + "/login")
            page.fill("#name", "sam")
            page.fill("#password", PASSWORDS["sam"])
            page.click("button[type=submit]")
            page.wait_for_url(service.url + "/review")
            page.goto(f"{service.url}/review/drafts/{draft.id}")
            assert "Blocked by apology-non-apology" in page.locator("fieldset.waivers legend").inner_text()
            page.click("button:has-text('Approve with waivers')")
            assert "blocked by the policy layer" in page.locator(".notice").inner_text()
            page.check("input[name='waive.apology-non-apology']")
            page.fill("#waive_reason", REASON)
            page.click("button:has-text('Approve with waivers')")
            assert page.locator("#state").inner_text() == "approved"
            assert "apology-non-apology waived by sam" in page.locator("main").inner_text()
            assert REASON in page.locator("main").inner_text()
        finally:
            browser.close()
