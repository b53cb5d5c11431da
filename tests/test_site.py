"""The published status site: what it says, for people, for machines and in a real browser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notify.record.draft import PUBLISHED
from notify.record.sources import load_incident
from notify.render.site import build_site
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, ROOT, launch_chromium, needs_chromium, run

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ARTIFACTS = ROOT / "tests" / "artifacts"


def publish_examples(db: str, site: Path, names: list[str]) -> None:
    for name in names:
        with open_store(db) as store:
            review = Review(store)
            draft = review.create(load_incident(str(EXAMPLES / f"{name}.yaml")), "dana")
            review.approve(draft.id, "sam")
        result = run("publish", draft.id, "--site", str(site), "--db", db, "--title", "Example Status")
        assert result.exit_code == 0, result.output


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, str]:
    db = str(tmp_path / "n.db")
    out = tmp_path / "site"
    publish_examples(db, out, ["resolved", "identified", "monitoring", "maintenance"])
    with open_store(db) as store:  # rebuild at a fixed time, so the history bars are predictable
        build_site(
            Review(store).listing(state=PUBLISHED),
            out,
            now=NOW,
            title="Example Status",
            base_url="https://status.example.com",
        )
    return out, db


def test_publishing_needs_an_approved_draft(tmp_path: Path):
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        pending = Review(store).create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    result = run("publish", pending.id, "--site", str(tmp_path / "site"), "--db", db)
    assert result.exit_code == 1 and "only an approved draft" in result.output
    assert not (tmp_path / "site").exists()


def test_status_json_reports_each_component_and_incident(site: tuple[Path, str]):
    status = json.loads((site[0] / "notify.json").read_text())
    components = {c["name"]: c["status"] for c in status["components"]}
    assert components == {
        "Checkout": "critical",
        "Payments": "critical",
        "Sign-in": "major",
        "Dashboard": "major",
        "Email notifications": "operational",
        "Public API": "operational",
    }
    assert status["status"] == {"indicator": "critical", "description": "Major outage"}
    incident = next(i for i in status["incidents"] if i["id"] == "INC-1042")
    assert incident["updates"][0]["body"].startswith("## Identified: Sign-in failures for EU customers")
    assert "Acme Corp" not in json.dumps(status)  # affected customers never reach the public page
    assert "NIC" not in json.dumps(status)  # nor the internal cause


def test_the_history_bar_colours_each_day_by_its_worst_incident(site: tuple[Path, str]):
    index = (site[0] / "index.html").read_text()
    assert index.count('class="day ') == 90 * 6
    assert 'title="18 Nov 2026: Partial outage — Email notifications were delayed"' in index
    assert 'title="22 Nov 2026: Major outage — Card payments failing at checkout"' in index
    assert 'title="1 Oct 2026: No incidents"' in index
    assert "Scheduled maintenance" in index and "Planned database upgrade" in index


def test_the_feed_is_valid_atom_with_an_entry_per_update(site: tuple[Path, str]):
    root = ET.fromstring((site[0] / "feed.atom").read_text())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 4
    titles = {e.findtext("a:title", namespaces=ns) for e in entries}
    assert "Sign-in failures for EU customers: identified" in titles
    assert all(e.find("a:content", ns).get("type") == "html" for e in entries)


def test_every_incident_has_a_page_with_its_timeline(site: tuple[Path, str]):
    page = (site[0] / "incidents" / "INC-1042.html").read_text()
    assert '<html lang="en">' in page
    assert "<h1>Sign-in failures for EU customers</h1>" in page
    assert 'class="timeline"' in page and "We are sorry that you could not sign in this morning." in page


@needs_chromium
def test_the_site_renders_in_chromium_without_errors(site: tuple[Path, str]):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((site[0] / "index.html").as_uri())
            assert page.locator("h1").inner_text() == "Major outage"
            day = page.locator("li.day.level-major").first
            day.focus()  # the incident on a day shows on focus, without JavaScript
            tip = page.evaluate("el => getComputedStyle(el, '::after').content", day.element_handle())
            assert "Partial outage" in tip
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "status-site.png"), full_page=True)
            page.goto((site[0] / "incidents" / "INC-1042.html").as_uri())
            assert page.locator("h1").inner_text() == "Sign-in failures for EU customers"
            assert errors == []
        finally:
            browser.close()
