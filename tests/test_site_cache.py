"""The served status page under a long history: the minute's re-render is done once, by one
request, while the other readers get the last minute's page; what was just published shows at once."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from notify.clock import utc_now
from notify.record.sources import load_incident
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store
from notify.web import public
from notify.web.app import create_app

from .conftest import EXAMPLES


def publish(db: str, incident_id: str, title: str) -> None:
    record = load_incident(str(EXAMPLES / "resolved.yaml")).model_copy(update={"id": incident_id, "title": title})
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
        sending.publish(review, draft.id, "sam", {})


def get(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        return time.perf_counter() - start, response.read().decode()


@pytest.fixture
def served(tmp_path: Path):
    db = str(tmp_path / "site.db")
    publish(db, "INC-1", "The first outage")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(None, db), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield db, f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


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
