"""The incident history, paged by month, the front page's recent days only, and SVG status badges."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notify.record.draft import PUBLISHED
from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.render.site import render_site
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES
from .service import Service
from .test_feeds import fetch

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def published(db: str, count: int) -> list:
    """`count` resolved incidents, one every three days back from NOW."""
    base = load_incident(str(EXAMPLES / "resolved.yaml")).model_dump(mode="json")
    with open_store(db) as store:
        review = Review(store)
        for n in range(count):
            start = NOW - timedelta(days=3 * n + 1)
            ended = start + timedelta(hours=2)
            record = {**base, "id": f"INC-{n:03d}", "title": f"Incident number {n}"}
            record.update(started_at=start.isoformat(), resolved_at=ended.isoformat())
            draft = review.create(Incident.model_validate(record), "dana")
            review.approve(draft.id, "sam")
            sending.publish(review, draft.id, "sam", {})
        return Review(store).listing(state=PUBLISHED)


def test_history_pages_every_incident_by_month_and_the_front_page_shows_recent_days(tmp_path: Path):
    files = render_site(published(str(tmp_path / "n.db"), 30), now=NOW, title="Example Status")
    first, second = files["history.html"], files["history/2.html"]
    assert "history/3.html" not in files  # 30 incidents, 25 a page
    listed = re.findall(r"Incident number (\d+)", first + second)
    assert sorted(map(int, listed)) == list(range(30)) and len(set(listed)) == 30  # each once
    assert "<h2>November 2026</h2>" in first and "<h2>September 2026</h2>" in second
    assert 'href="history/2.html" rel="next"' in first and 'href="../history.html" rel="prev"' in second
    assert 'href="../incidents/INC-029.html"' in second  # the incident's own page, where it always is
    front = files["index.html"].split('id="past-heading"')[1].split("</section>")[0]
    shown = set(re.findall(r"Incident number (\d+)", front))
    assert shown == {"0", "1", "2"}  # ended within the last 7 days (the third 6 days 22 hours ago)
    assert 'href="history.html">Incident history</a>' in front
    assert "Incident number 9" in files["index.html"]  # older ones still name their day on the bars


def test_history_and_badges_are_served(tmp_path: Path):
    db = str(tmp_path / "service.db")
    published(db, 3)
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
        review.approve(draft.id, "sam")
        sending.publish(review, draft.id, "sam", {})
    with Service(tmp_path, db) as service:
        status, body, headers = fetch(service.url + "/history")
        assert status == 200 and b"Incident number 2" in body
        assert fetch(service.url + "/history/2.html")[0] == 404  # only one page of history yet
        status, svg, headers = fetch(service.url + "/badge.svg")
        assert status == 200 and headers["Content-Type"] == "image/svg+xml" and headers["ETag"]
        tree = ET.fromstring(svg)
        assert tree.find("{http://www.w3.org/2000/svg}title").text == "status: Partial outage"
        status, svg, _ = fetch(service.url + "/badge/sign-in.svg")
        assert status == 200 and "Sign-in: partial outage" in ET.fromstring(svg).get("aria-label", "")
        assert fetch(service.url + "/badge/email-notifications.svg")[0] == 200
        assert b"<script" not in svg


def test_the_public_pages_share_the_public_layout_not_the_review_header(tmp_path: Path):
    import urllib.error
    import urllib.request

    with Service(tmp_path, str(tmp_path / "service.db")) as service:
        pages = []
        for path, data in (("/subscribe", b"email=not-an-address"), ("/unsubscribe?token=x", None)):
            request = urllib.request.Request(service.url + path, data=data, method="POST" if data else "GET")
            try:
                with urllib.request.urlopen(request) as response:
                    pages.append(response.read().decode())
            except urllib.error.HTTPError as exc:
                pages.append(exc.read().decode())
    for html in pages:
        assert "notify review" not in html and 'href="/style.css"' in html and 'href="/history"' in html
