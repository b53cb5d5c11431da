"""Slack, Teams and signed outbound webhooks through the outbox, against a local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from notify.record.sources import load_incident
from notify.record.webhooks import signatures
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(BaseHTTPRequestHandler):
    """Records posts; answers each path's scripted statuses first (then 200)."""

    posts: ClassVar[list[dict[str, object]]] = []
    script: ClassVar[dict[str, list[int]]] = {}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
        queue = self.script.get(self.path) or []
        status = queue.pop(0) if queue else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"nope")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.posts, Receiver.script = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def approved(db: str) -> str:
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
        return review.approve(draft.id, "sam").id


def test_slack_teams_and_a_signed_webhook_get_the_approved_update(tmp_path: Path, receiver: str):
    db = str(tmp_path / "n.db")
    draft = approved(db)
    Receiver.script = {"/slack": [500, 429]}  # a flaky Slack: retried, then delivered once
    result = run(
        "post",
        draft,
        "--db",
        db,
        "--to",
        f"slack:{receiver}/slack",
        "--to",
        f"teams:{receiver}/teams",
        "--to",
        f"teams-connector:{receiver}/connector",
        "--to",
        f"webhook:{receiver}/hook",
        "--webhook-secret",
        SECRET,
        "--retry-base",
        "0.01",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"sent": 4, "retried": 2, "failed": 0, "failures": []}
    by_path = {p["path"]: p for p in Receiver.posts}
    slack = json.loads(by_path["/slack"]["body"])
    assert slack["text"].startswith("Identified: Sign-in failures for EU customers")
    assert "*What we are doing for you*" in slack["text"]
    teams = json.loads(by_path["/teams"]["body"])  # what Teams Workflows webhooks take
    assert teams["type"] == "message" and len(teams["attachments"]) == 1
    attachment = teams["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "Identified: Sign-in failures for EU customers"
    assert {"title": "Components", "value": "Sign-in, Dashboard"} in card["body"][1]["facts"]
    assert any("What we are doing for you" in block.get("text", "") for block in card["body"])
    connector = json.loads(by_path["/connector"]["body"])  # the retiring Office 365 connectors
    assert connector["@type"] == "MessageCard" and connector["title"] == card["body"][0]["text"]
    hook = by_path["/hook"]
    headers = {k.lower(): v for k, v in hook["headers"].items()}
    assert signatures.standard_webhooks(
        SECRET, hook["body"], headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]
    )  # verifiable by any Standard Webhooks library
    event = json.loads(hook["body"])
    assert event["type"] == "incident.updated" and event["data"]["incident"] == "INC-1042"
    assert event["data"]["draft"] == draft and event["data"]["revision"] == 1  # the id, not the entry's flag
    assert "NIC" not in hook["body"].decode() and "Acme" not in hook["body"].decode()
    assert [p["path"] for p in Receiver.posts].count("/slack") == 3
    again = run("post", draft, "--db", db, "--to", f"slack:{receiver}/slack", "--format", "json")
    assert json.loads(again.output)["sent"] == 0  # already delivered: nothing twice


def test_a_refused_destination_is_recorded_and_exits_3(tmp_path: Path, receiver: str):
    db = str(tmp_path / "n.db")
    draft = approved(db)
    Receiver.script = {"/gone": [404]}
    result = run("post", draft, "--db", db, "--to", f"slack:{receiver}/gone", "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.output)["failures"] == [{"destination": "slack", "error": "404 nope"}]


def test_only_approved_drafts_are_posted_and_destinations_are_checked(tmp_path: Path, receiver: str):
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        pending = Review(store).create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    refused = run("post", pending.id, "--db", db, "--to", f"slack:{receiver}/slack")
    assert refused.exit_code == 1 and "only an approved draft" in refused.output
    bad = run("post", approved(db), "--db", db, "--to", "irc:#ops")
    assert bad.exit_code == 2 and "is not KIND:URL" in bad.output
    assert Receiver.posts == []


def test_slack_gets_block_kit_with_its_control_characters_escaped(tmp_path: Path, receiver: str):
    db = str(tmp_path / "n.db")
    incident = load_incident(str(EXAMPLES / "identified.yaml"))
    incident = incident.model_copy(
        update={"impact": "Sign-in failed for Acme & Co <!channel> users in Europe; people signed in kept working."}
    )
    with open_store(db) as store:
        review = Review(store)
        draft = review.approve(review.create(incident, "dana").id, "sam").id
    result = run(
        "post", draft, "--db", db, "--to", f"slack:{receiver}/slack", "--page-url", "https://status.example.com/"
    )
    assert result.exit_code == 0, result.output
    slack = json.loads(Receiver.posts[-1]["body"])
    everything = json.dumps(slack)
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in slack["text"] and "Acme &amp; Co" in slack["text"]
    kinds = [block["type"] for block in slack["blocks"]]
    assert kinds[:2] == ["header", "context"] and "section" in kinds and kinds[-1] == "actions"
    assert slack["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Identified: Sign-in failures for EU customers",
        "emoji": False,
    }
    assert slack["blocks"][1]["elements"][0]["text"] == "*Identified* · Sign-in, Dashboard"
    assert slack["blocks"][-1]["elements"][0]["url"] == "https://status.example.com/"
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"] if b["type"] == "section")
    refused = run("post", draft, "--db", db, "--to", f"slack:{receiver}/slack", "--page-url", "javascript:alert(1)")
    assert refused.exit_code == 2 and "is not an https:// address" in refused.output
