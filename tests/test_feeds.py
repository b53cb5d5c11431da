"""The public page as pollers read it: HEAD, ETag and Last-Modified, 304 for a current copy, and an
Atom feed a real client (feedparser) reads with its author and its link to the page."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from notify.record.sources import load_incident
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES
from .service import Service

APPROVED_AT = datetime(2026, 11, 18, 13, 10, tzinfo=UTC)


def publish(db: str, example: str) -> None:
    with open_store(db) as store:
        review = Review(store, clock=lambda: APPROVED_AT)
        draft = review.create(load_incident(str(EXAMPLES / example)), "dana")
        review.approve(draft.id, "sam")
        sending.publish(review, draft.id, "sam", {})


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def test_pollers_get_304_until_something_is_published(tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    publish(db, "resolved.yaml")
    with Service(tmp_path, db) as service:
        for path in ("/feed.atom", "/notify.json", "/", "/incidents/INC-2003.html", "/style.css"):
            status, body, headers = fetch(service.url + path)
            assert status == 200 and body and headers["ETag"], path
            head_status, head_body, head_headers = fetch(service.url + path, "HEAD")
            assert head_status == 200 and head_body == b"" and head_headers["ETag"] == headers["ETag"], path
            again = fetch(service.url + path, **{"If-None-Match": headers["ETag"]})
            assert again[0] == 304 and again[1] == b"", path
        status, _, headers = fetch(service.url + "/feed.atom")
        since = fetch(service.url + "/feed.atom", **{"If-Modified-Since": headers["Last-Modified"]})
        assert since[0] == 304
        publish(db, "identified.yaml")
        status, _, newer = fetch(service.url + "/feed.atom", **{"If-None-Match": headers["ETag"]})
        assert status == 200 and newer["ETag"] != headers["ETag"]


def test_the_atom_feed_has_an_author_and_links_to_the_page(tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    publish(db, "resolved.yaml")
    with Service(tmp_path, db) as service:
        _, body, _ = fetch(service.url + "/feed.atom")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.author == "Example Status"
    assert any(link.rel == "alternate" and link.type == "text/html" for link in feed.feed.links)
    assert feed.feed.updated == APPROVED_AT.isoformat()  # the newest update's time, not the request's
    assert [entry.title for entry in feed.entries] == ["Email notifications were delayed: resolved"]


def test_rss_and_statuspages_history_paths_carry_the_same_updates(tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    publish(db, "resolved.yaml")
    publish(db, "identified.yaml")
    with Service(tmp_path, db) as service:
        atom = fetch(service.url + "/feed.atom")
        rss = fetch(service.url + "/feed.rss")
        assert fetch(service.url + "/history.atom")[1] == atom[1]
        assert fetch(service.url + "/history.rss")[1] == rss[1]
    assert rss[2]["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(rss[1])
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20" and parsed.feed.title == "Example Status"
    titles = sorted(entry.title for entry in parsed.entries)
    assert titles == sorted(entry.title for entry in feedparser.parse(atom[1]).entries)
    assert all(entry.published_parsed[:5] == APPROVED_AT.timetuple()[:5] for entry in parsed.entries)
    assert all("<p>" in entry.summary for entry in parsed.entries)  # the approved HTML, as readers show it


def test_scheduled_maintenance_is_a_calendar_that_a_calendar_library_reads(tmp_path: Path) -> None:
    import icalendar

    db = str(tmp_path / "service.db")
    publish(db, "maintenance.yaml")
    publish(db, "resolved.yaml")  # not maintenance: not in the calendar
    with Service(tmp_path, db) as service:
        status, body, headers = fetch(service.url + "/maintenance.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded at 75 octets
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == ["MNT-0007@notify"]
    event = events[0]
    assert event["DTSTART"].dt == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Planned database upgrade"
    assert "read-only for up to 20 minutes; saved data is safe." in str(event["DESCRIPTION"])
    assert "PostgreSQL 15" not in body.decode()  # the internal cause stays internal
