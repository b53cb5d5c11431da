"""The approved social post sent to Mastodon and Bluesky, each a local server that checks the
documented request shapes (and answers 400 to anything else): once each, after a kill of the
sender as well, and never before a second person approved it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run
from .fake_http import JsonService

TOKEN, HANDLE, APP_PASSWORD = "mastodon-token", "status.example.com", "abcd-efgh-ijkl-mnop"
PAGE = "https://status.example.com/"
ISO_MILLIS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Social(JsonService):
    """Mastodon's POST /api/v1/statuses and Bluesky's XRPC calls, as their docs describe them."""

    statuses: ClassVar[dict[str, dict[str, Any]]] = {}  # by Idempotency-Key, as Mastodon keeps them
    posts: ClassVar[list[dict[str, Any]]] = []  # app.bsky.feed.post records created
    problems: ClassVar[list[str]] = []
    hold: ClassVar[float] = 0.0  # seconds to wait after storing, before answering (a kill lands here)
    lock = threading.Lock()

    def _refuse(self, why: str) -> None:
        with self.lock:
            self.problems.append(why)
        self._answer(400, {"error": "InvalidRequest", "message": why})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = urlsplit(self.path).path
        if path == "/api/v1/statuses":
            return self._status(body)
        if path == "/xrpc/com.atproto.server.createSession":
            if body != {"identifier": HANDLE, "password": APP_PASSWORD}:
                return self._answer(
                    401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
                )
            return self._answer(
                200, {"did": "did:plc:status", "handle": HANDLE, "accessJwt": "jwt-a", "refreshJwt": "jwt-r"}
            )
        if path == "/xrpc/com.atproto.repo.createRecord":
            return self._record(body)
        self._refuse(f"no such method {path}")

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path != "/xrpc/com.atproto.repo.listRecords" or query.get("collection") != ["app.bsky.feed.post"]:
            return self._refuse(f"unexpected GET {self.path}")
        if query.get("repo") != ["did:plc:status"]:
            return self._refuse("listRecords for another repo")
        newest = [{"uri": f"at://did:plc:status/app.bsky.feed.post/{i}", "value": p} for i, p in enumerate(self.posts)]
        self._answer(200, {"records": newest[::-1][: int(query.get("limit", ["50"])[0])]})

    def _status(self, body: dict[str, Any]) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, {"error": "The access token is invalid"})
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self._refuse("no Idempotency-Key")
        if not isinstance(body.get("status"), str) or not 0 < len(body["status"]) <= 500:
            return self._refuse("status must be 1 to 500 characters")
        if body.get("visibility") not in ("public", "unlisted", "private", "direct"):
            return self._refuse("visibility")
        with self.lock:
            stored = self.statuses.setdefault(key, {"id": str(len(self.statuses) + 1), "content": body["status"]})
        time.sleep(self.hold)
        self._answer(200, stored)

    def _record(self, body: dict[str, Any]) -> None:
        if self.headers.get("Authorization") != "Bearer jwt-a":
            return self._answer(401, {"error": "AuthenticationRequired"})
        record = body.get("record") or {}
        if body.get("repo") != "did:plc:status" or body.get("collection") != "app.bsky.feed.post":
            return self._refuse("repo or collection")
        if "rkey" in body:
            return self._refuse("posts take no user-supplied rkey")
        if record.get("$type") != "app.bsky.feed.post" or not ISO_MILLIS_Z.match(str(record.get("createdAt"))):
            return self._refuse("$type or createdAt")
        text = record.get("text")
        if not isinstance(text, str) or len(text) > 300 or len(text.encode()) > 3000:
            return self._refuse("text over 300 graphemes")
        for facet in record.get("facets") or []:
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            [feature] = facet["features"]
            if feature["$type"] != "app.bsky.richtext.facet#link":
                return self._refuse("facet type")
            if text.encode()[start:end].decode() != feature["uri"]:
                return self._refuse("a facet's byte range is not its link")
        with self.lock:
            self.posts.append(record)
        time.sleep(self.hold)
        self._answer(200, {"uri": f"at://did:plc:status/app.bsky.feed.post/{len(self.posts)}", "cid": "bafy"})


@pytest.fixture
def social(monkeypatch: pytest.MonkeyPatch):
    Social.statuses, Social.posts, Social.problems, Social.hold = {}, [], [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Social)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NOTIFY_MASTODON_TOKEN", TOKEN)
    monkeypatch.setenv("NOTIFY_BLUESKY_HANDLE", HANDLE)
    monkeypatch.setenv("NOTIFY_BLUESKY_APP_PASSWORD", APP_PASSWORD)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def drafted(db: str, approve: bool = True) -> str:
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
        if approve:
            review.approve(draft.id, "sam")
        return draft.id


def post(db: str, draft_id: str, base: str, *extra: str):
    return run("post", draft_id, "--db", db, "--to", f"mastodon:{base}", "--to", f"bluesky:{base}",
               "--page-url", PAGE, "--format", "json", *extra)  # fmt: skip


def test_the_approved_post_reaches_mastodon_and_bluesky_once_each(tmp_path: Path, social: str):
    db = str(tmp_path / "n.db")
    draft_id = drafted(db)
    result = post(db, draft_id, social)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"] == 2 and Social.problems == []
    with open_store(db) as store:
        approved_text = Review(store).get(draft_id).messages["social"]["text"].strip()
    expected = approved_text.replace("https://notify.invalid/status-page", PAGE)
    [status] = Social.statuses.values()
    [record] = Social.posts
    assert status["content"] == record["text"] == expected  # the same words in both places
    assert record["facets"][0]["features"][0]["uri"] == PAGE and record["langs"] == ["en"]
    again = post(db, draft_id, social)
    assert json.loads(again.output)["sent"] == 0  # already posted: nothing twice
    assert len(Social.statuses) == 1 and len(Social.posts) == 1


def test_a_pending_draft_is_never_posted(tmp_path: Path, social: str):
    db = str(tmp_path / "n.db")
    draft_id = drafted(db, approve=False)
    result = post(db, draft_id, social)
    assert result.exit_code == 1 and "only an approved draft is sent" in result.output
    assert Social.statuses == {} and Social.posts == []


def test_missing_credentials_are_said_before_anything_is_queued(tmp_path: Path, social: str, monkeypatch):
    monkeypatch.delenv("NOTIFY_BLUESKY_APP_PASSWORD")
    db = str(tmp_path / "n.db")
    result = post(db, drafted(db), social)
    assert result.exit_code == 2 and "NOTIFY_BLUESKY_APP_PASSWORD" in result.output
    assert Social.statuses == {}


@pytest.mark.parametrize("kind", ["mastodon", "bluesky"])
def test_a_sender_killed_mid_post_resumes_without_posting_twice(tmp_path: Path, social: str, kind: str):
    """Killed after the service stored the post but before notify recorded it: the next run's
    Idempotency-Key (Mastodon) or its look at the newest posts (Bluesky) finds the first."""
    db = str(tmp_path / "n.db")
    draft_id = drafted(db)
    Social.hold = 30.0
    command = [sys.executable, "-m", "notify.cli.main", "post", draft_id, "--db", db, "--to", f"{kind}:{social}",
               "--page-url", PAGE]  # fmt: skip
    sender = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (Social.statuses or Social.posts) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Social.statuses or Social.posts, "the post never arrived"
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    Social.hold = 0.0
    resumed = run("post", draft_id, "--db", db, "--to", f"{kind}:{social}", "--page-url", PAGE, "--format", "json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.output)["sent"] == 1  # the orphaned row went again, at once
    assert len(Social.statuses) + len(Social.posts) == 1 and Social.problems == []
