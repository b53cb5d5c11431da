"""Posting to Atlassian Statuspage, against a local HTTP server that answers as its API does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run


class FakeStatuspage(BaseHTTPRequestHandler):
    """Records each request; rate-limits the first one (429, Retry-After: 0), as the real API may."""

    calls: ClassVar[list[dict[str, object]]] = []

    def _answer(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append(
            {"method": self.command, "path": self.path, "auth": self.headers["Authorization"], "body": body}
        )
        if len(self.calls) == 1:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "sp-incident-1"}).encode())

    do_POST = do_PATCH = _answer

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def statuspage_api(monkeypatch: pytest.MonkeyPatch):
    FakeStatuspage.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeStatuspage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NOTIFY_STATUSPAGE_API", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("STATUSPAGE_API_KEY", "sp-secret-key")
    yield FakeStatuspage.calls
    server.shutdown()


def approved(db: str, example: str) -> str:
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / example)), "dana")
        review.approve(draft.id, "sam")
        return draft.id


def test_the_first_update_creates_the_incident_and_the_next_updates_it(tmp_path: Path, statuspage_api):
    db = str(tmp_path / "n.db")
    first = approved(db, "identified.yaml")
    result = run("publish", first, "--site", str(tmp_path / "site"), "--db", db, "--statuspage", "page42")
    assert result.exit_code == 0, result.output
    assert "posted INC-1042-r1 to Statuspage page page42 (incident sp-incident-1)" in result.output
    assert "sp-secret-key" not in result.output
    rate_limited, created = statuspage_api
    assert (rate_limited["method"], created["method"]) == ("POST", "POST")  # retried after the 429
    assert created["path"] == "/v1/pages/page42/incidents"
    assert created["auth"] == "OAuth sp-secret-key"
    incident = created["body"]["incident"]
    assert incident["deliver_notifications"] is False  # always explicit
    assert incident["status"] == "identified" and incident["impact_override"] == "major"
    assert incident["name"] == "Sign-in failures for EU customers"
    assert "We are sorry that you could not sign in this morning." in incident["body"]
    assert "NIC" not in incident["body"] and "Acme" not in incident["body"]

    second = approved(db, "identified.yaml")
    run(
        "publish",
        second,
        "--site",
        str(tmp_path / "site"),
        "--db",
        db,
        "--statuspage",
        "page42",
        "--deliver-notifications",
    )
    update = statuspage_api[-1]
    assert (update["method"], update["path"]) == ("PATCH", "/v1/pages/page42/incidents/sp-incident-1")
    assert update["body"]["incident"]["deliver_notifications"] is True


def test_a_missing_api_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("STATUSPAGE_API_KEY", raising=False)
    monkeypatch.delenv("NOTIFY_STATUSPAGE_TOKEN", raising=False)
    db = str(tmp_path / "n.db")
    draft = approved(db, "identified.yaml")
    result = run("publish", draft, "--site", str(tmp_path / "site"), "--db", db, "--statuspage", "page42")
    assert result.exit_code == 3 and "no Statuspage API key" in result.output


CATALOG = """
[[components]]
name = "Sign-in"
statuspage_id = "kctqh7b4r9jv"
[[components]]
name = "Public API"
statuspage_id = "b13yz5g2cw10"
"""


def test_components_are_sent_by_their_statuspage_ids_with_their_status(tmp_path: Path, statuspage_api):
    config = tmp_path / "notify.toml"
    config.write_text(CATALOG)
    db = str(tmp_path / "n.db")
    site = str(tmp_path / "site")
    first = approved(db, "identified.yaml")  # Sign-in and Dashboard, a major incident
    result = run("--config", str(config), "publish", first, "--site", site, "--db", db, "--statuspage", "page42")
    assert result.exit_code == 0, result.output
    incident = statuspage_api[-1]["body"]["incident"]
    assert incident["component_ids"] == ["kctqh7b4r9jv"]
    assert incident["components"] == {"kctqh7b4r9jv": "partial_outage"}
    assert incident["impact_override"] in {"none", "minor", "major", "critical"}
    assert "component 'Dashboard' has no statuspage_id" in result.output  # said, not silently dropped

    planned = approved(db, "maintenance.yaml")
    run("--config", str(config), "publish", planned, "--site", site, "--db", db, "--statuspage", "page42")
    maintenance = statuspage_api[-1]["body"]["incident"]
    assert maintenance["component_ids"] == ["b13yz5g2cw10"]
    assert maintenance["components"] == {"b13yz5g2cw10": "operational"}  # planned: nothing is down yet
    assert "impact_override" not in maintenance  # Statuspage sets a maintenance's impact itself
    assert maintenance["scheduled_for"].startswith("2026-12-05T02:00")

    with open_store(db) as store:
        review = Review(store)
        record = load_incident(str(EXAMPLES / "identified.yaml")).model_dump(mode="json")
        record.update(status="resolved", resolved_at=review.clock().isoformat())
        record = Incident.model_validate(record)
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
    run("--config", str(config), "publish", draft.id, "--site", site, "--db", db, "--statuspage", "page42")
    resolved = statuspage_api[-1]
    assert resolved["method"] == "PATCH"
    assert resolved["body"]["incident"]["components"] == {"kctqh7b4r9jv": "operational"}
