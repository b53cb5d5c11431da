"""The served status page under a long history: the minute's re-render is done once, by one
request, while the other readers get the last minute's page; what was just published shows at once."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from notify.clock import Clock, utc_now
from notify.record.sources import load_incident
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store
from notify.web import public
from notify.web.app import create_app

from .conftest import EXAMPLES


def publish(db: str, incident_id: str, title: str, clock: Clock = utc_now) -> None:
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(update={"id": incident_id, "title": title})
    with open_store(db) as store:
        review = Review(store, clock=clock)
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
        sending.publish(review, draft.id, "sam", {})


def get(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        return time.perf_counter() - start, response.read().decode()


@contextmanager
def serving(db: str, port: int = 0) -> Iterator[str]:
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(None, db), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(tmp_path: Path):
    db = str(tmp_path / "site.db")
    publish(db, "INC-1", "The first outage")
    with serving(db) as url:
        yield db, url


def test_readers_get_the_last_minutes_page_while_one_request_renders_the_next(served, monkeypatch):
    _, url = served
    _, first = get(url)
    renders, release = [], threading.Event()
    render = public._render

    def slow_render(request, history):  # a render of a very long history
        renders.append(1)
        release.wait(20)
        return render(request, history)

    monkeypatch.setattr(public, "_render", slow_render)
    later = utc_now() + timedelta(minutes=5)
    monkeypatch.setattr(public, "utc_now", lambda: later)
    answers: list[str] = []
    renderer = threading.Thread(target=lambda: answers.append(get(url)[1]))
    renderer.start()  # the first reader of the new minute renders it
    for _ in range(500):
        if renders:
            break
        time.sleep(0.01)
    others = [get(url)[1] for _ in range(3)]  # answered while it renders, from the last render
    assert others == [first] * 3 and answers == []
    release.set()
    renderer.join(20)
    assert later.strftime("%H:%M UTC") in answers[0] and "The first outage" in answers[0]
    assert get(url)[1] == answers[0]
    assert renders == [1]  # one render, however many readers came meanwhile


def test_what_was_just_published_shows_at_once(served):
    db, url = served
    get(url)
    publish(db, "INC-2", "The second outage")
    _, body = get(url)
    assert "The second outage" in body and "The first outage" in body


PAGES = (
    "",
    "notify.json",
    "history.html",
    "feed.atom",
    "api/v2/summary.json",
    "incidents/INC-1.html",
    "incidents/INC-2.html",
)


def test_a_page_that_grew_by_publications_is_the_page_a_fresh_server_renders(store_location, monkeypatch):
    db = store_location
    publish(db, "INC-1", "The first outage")
    now = utc_now() + timedelta(minutes=2)
    monkeypatch.setattr(public, "utc_now", lambda: now)  # both servers render the same minute
    with serving(db) as url:
        get(url)
        publish(db, "INC-2", "The second outage")  # read on its own: the rest was read already
        grown = {page: get(url + page)[1] for page in PAGES}
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with serving(db, port) as again:  # a new server on the same address reads the whole history
        assert {page: get(again + page)[1] for page in PAGES} == grown
    assert "The second outage" in grown[""] and "The first outage" in grown[""]


def test_a_publication_stamped_earlier_than_the_last_one_still_shows(store_location):
    db = store_location
    publish(db, "INC-1", "The first outage")
    with serving(db) as url:
        get(url)
        behind = utc_now() - timedelta(hours=1)  # another host whose clock is an hour behind
        publish(db, "INC-3", "The third outage", clock=lambda: behind)
        _, body = get(url)
    assert "The third outage" in body and "The first outage" in body
