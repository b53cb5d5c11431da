"""The REST API and the CLI as its client: an incident created, reviewed by a second person, published
and sent over /api/v1 with two people's tokens, then the same through `notify --server`; neither
opens the database (the tokens are made with `notify token create`, as an operator would)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import EXAMPLES, run
from .service import Service
from .smtp_server import SmtpServer


def token(db: str, person: str, role: str) -> str:
    result = run("token", "create", "--as", person, "--role", role, "--db", db)
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]  # alone on the last line
    assert secret.startswith("ntk_")
    return secret


def call(service: Service, method: str, path: str, secret: str | None, body: Any = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(service.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def record(example: str = "identified.yaml") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLES / example).read_text())
    return json.loads(json.dumps(loaded, default=str))  # times as ISO text, as a tool would send them


@pytest.fixture
def served(tmp_path: Path):
    db = str(tmp_path / "service.db")
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email,components\nana@example.net,\nbo@example.net,Sign-in\n")
    with SmtpServer() as sink:
        smtp = f'[smtp]\nurl = "{sink.url}"\nfrom = "Status <status@example.com>"\nsubscribers = "{subscribers}"\n'
        with Service(tmp_path, db, extra=smtp) as service:
            service.db = db  # type: ignore[attr-defined]
            service.sink = sink  # type: ignore[attr-defined]
            yield service


def test_two_people_create_review_publish_and_send_over_the_api(served: Service):
    db = served.db  # type: ignore[attr-defined]
    dana, sam = token(db, "dana", "reviewer"), token(db, "sam", "reviewer")
    status, draft = call(served, "POST", "/api/v1/incidents", dana, record())
    assert status == 201, draft
    assert (draft["id"], draft["state"], draft["verdict"], draft["author"]) == (
        "INC-1042-r1",
        "pending",
        "pass",
        "dana",
    )
    assert draft["messages"]["email"]["subject"] == "[Identified] Sign-in failures for EU customers"

    status, refused = call(served, "POST", "/api/v1/drafts/INC-1042-r1/approve", dana, {})
    assert status == 403 and "four-eyes" in refused["detail"]  # her own draft, even with a reviewer's token
    status, approved = call(served, "POST", "/api/v1/drafts/INC-1042-r1/approve", sam, {"comment": "read it"})
    assert status == 200 and approved["state"] == "approved" and approved["decided_by"] == "sam"
    status, published = call(served, "POST", "/api/v1/drafts/INC-1042-r1/publish", sam)
    assert status == 200 and published["state"] == "published"
    with urllib.request.urlopen(served.url + "/api/v2/incidents/unresolved.json") as response:
        assert [i["id"] for i in json.loads(response.read())["incidents"]] == ["INC-1042"]
    status, sent = call(served, "POST", "/api/v1/drafts/INC-1042-r1/send", sam)
    assert status == 200 and sent["sent"] == 2 and sent["failed"] == 0, sent
    assert sorted(str(m["To"]) for m in served.sink.handler.received) == ["ana@example.net", "bo@example.net"]  # type: ignore[attr-defined]

    status, log = call(served, "GET", "/api/v1/audit?subject=INC-1042", sam)
    assert status == 200 and log["problems"] == []
    actions = [(e["actor"], e["action"], e["outcome"]) for e in log["entries"]]
    assert ("dana", "draft", "ok") in actions and ("sam", "approve", "ok") in actions
    assert ("dana", "approve", "refused") in actions  # the refusal is in the log too
    assert ("sam", "publish", "ok") in actions
    status, listed = call(served, "GET", "/api/v1/drafts?state=published", sam)
    assert [d["id"] for d in listed["drafts"]] == ["INC-1042-r1"]


def test_roles_tokens_and_errors_are_json_with_one_line(served: Service):
    db = served.db  # type: ignore[attr-defined]
    author, reviewer = token(db, "ana", "author"), token(db, "sam", "reviewer")
    status, draft = call(served, "POST", "/api/v1/incidents", author, record())
    assert status == 201
    other = token(db, "bo", "author")
    status, refused = call(served, "POST", f"/api/v1/drafts/{draft['id']}/approve", other, {})
    assert status == 403 and refused["detail"] == "bo's token is an author's; this needs a reviewer"
    status, missing = call(served, "GET", "/api/v1/drafts", None)
    assert status == 401 and "Bearer" in missing["detail"]
    status, _ = call(served, "GET", "/api/v1/drafts", "ntk_00000000_forged")
    assert status == 401
    status, unknown = call(served, "GET", "/api/v1/drafts/INC-9999-r1", reviewer)
    assert status == 404 and unknown["detail"].startswith("no draft 'INC-9999-r1'")
    status, bad = call(served, "POST", "/api/v1/incidents", author, {**record(), "status": "fixed"})
    assert status == 422 and "\n" not in bad["detail"] and bad["detail"].startswith("body.status")
    status, bad = call(served, "POST", f"/api/v1/drafts/{draft['id']}/reject", reviewer, {})
    assert status == 422 and "reason" in bad["detail"]

    listed = run("token", "list", "--db", db, "--format", "json")
    [ana] = [t for t in json.loads(listed.output) if t["person"] == "ana"]
    assert "secret" not in json.dumps(json.loads(listed.output)) and author not in listed.output
    assert run("token", "revoke", ana["id"], "--db", db).exit_code == 0
    status, _ = call(served, "GET", "/api/v1/drafts", author)
    assert status == 401  # revoked: stops at once

    with urllib.request.urlopen(served.url + "/api/v1/openapi.json") as response:
        document = json.loads(response.read())
    assert set(document["paths"]) == {
        "/api/v1/incidents", "/api/v1/drafts", "/api/v1/drafts/{draft_id}", "/api/v1/drafts/{draft_id}/approve",
        "/api/v1/drafts/{draft_id}/reject", "/api/v1/drafts/{draft_id}/publish", "/api/v1/drafts/{draft_id}/send",
        "/api/v1/audit", "/api/v1/incidents/{incident_id}/replies",
    }  # fmt: skip


def test_the_cli_does_the_same_through_the_server(served: Service, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    db = served.db  # type: ignore[attr-defined]
    dana, sam = token(db, "dana", "author"), token(db, "sam", "reviewer")
    monkeypatch.setenv("NOTIFY_DB", str(tmp_path / "elsewhere.db"))  # the client's own db is never used
    monkeypatch.setenv("NOTIFY_TOKEN", dana)
    server = ["--server", served.url]
    drafted = run(*server, "draft", str(EXAMPLES / "identified.yaml"))
    assert drafted.exit_code == 0 and drafted.output.strip() == "INC-1042-r1", drafted.output
    claimed = run(*server, "approve", "INC-1042-r1", "--as", "sam")
    assert claimed.exit_code == 2 and "who you are comes from your token" in claimed.output  # --as is no claim
    refused = run(*server, "approve", "INC-1042-r1")
    assert refused.exit_code == 1 and "needs a reviewer" in refused.output
    monkeypatch.setenv("NOTIFY_TOKEN", sam)
    listed = run(*server, "drafts", "--state", "pending")
    assert "INC-1042-r1" in listed.output and "dana" in listed.output
    shown = run(*server, "show", "INC-1042-r1", "--channel", "email")
    assert "Subject: [Identified] Sign-in failures for EU customers" in shown.output
    approved = run(*server, "approve", "INC-1042-r1", "--comment", "checked")
    assert approved.exit_code == 0 and "INC-1042-r1 approved by sam" in approved.output
    published = run(*server, "publish", "INC-1042-r1")
    assert published.exit_code == 0 and "published INC-1042-r1" in published.output
    sent = run(*server, "send", "INC-1042-r1", "--format", "json")
    assert sent.exit_code == 0 and json.loads(sent.output)["sent"] == 2
    local_option = run(*server, "send", "INC-1042-r1", "--smtp", "smtp://127.0.0.1:1")
    assert local_option.exit_code == 2 and "drop --smtp" in local_option.output
    log = run(*server, "audit", "INC-1042")
    assert "dana" in log.output and "approve" in log.output and "sam" in log.output
    verified = run(*server, "audit", "--verify")
    assert verified.exit_code == 0 and "audit log intact" in verified.output
    assert not (tmp_path / "elsewhere.db").exists()
    monkeypatch.delenv("NOTIFY_TOKEN")
    anonymous = run(*server, "drafts")
    assert anonymous.exit_code == 2 and "NOTIFY_TOKEN" in anonymous.output


def test_schemathesis_finds_no_server_error_in_the_api(served: Service):
    pytest.importorskip("schemathesis", reason="pip install schemathesis")
    reviewer = token(served.db, "fuzzer", "admin")  # type: ignore[attr-defined]
    author = token(served.db, "dana", "author")  # type: ignore[attr-defined]
    assert call(served, "POST", "/api/v1/incidents", author, record())[0] == 201  # the documented example id
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{served.url}/api/v1/openapi.json",
         "--url", served.url, "--checks", "not_a_server_error", "--max-examples", "25",
         "-H", f"Authorization: Bearer {reviewer}", "--phases", "examples,coverage,fuzzing", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=served.db.rsplit("/", 1)[0],  # type: ignore[attr-defined]
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.split("Test cases:")[1]
    status, log = call(served, "GET", "/api/v1/audit?subject=INC-1042", reviewer)
    assert status == 200
    reached = {e["action"] for e in log["entries"] if e["actor"] == "fuzzer"}
    assert reached & {"approve", "reject"}, reached  # the fuzzer got past 404 into the decisions


def test_drafts_come_a_page_at_a_time_over_the_api_and_through_the_cli(served: Service, monkeypatch):
    db = served.db  # type: ignore[attr-defined]
    dana = token(db, "dana", "reviewer")
    for n in range(5):
        incident = record() | {"id": f"INC-{2000 + n}"}
        assert call(served, "POST", "/api/v1/incidents", dana, incident)[0] == 201
    status, first = call(served, "GET", "/api/v1/drafts?limit=2", dana)
    assert status == 200 and first["total"] == 5 and first["page"] == 1
    assert len(first["drafts"]) == 2 and "messages" not in first["drafts"][0]  # the columns, not the content
    seen = first["drafts"]
    following = first["next"]
    while following:
        status, more = call(served, "GET", following, dana)
        assert status == 200
        seen += more["drafts"]
        following = more["next"]
    assert sorted(d["id"] for d in seen) == [f"INC-{2000 + n}-r1" for n in range(5)]  # each once, none skipped
    times = [d["created_at"] for d in seen]
    assert times == sorted(times, reverse=True)  # newest first
    assert call(served, "GET", "/api/v1/drafts?limit=1001", dana)[0] == 422
    monkeypatch.setenv("NOTIFY_TOKEN", dana)
    listed = run("--server", served.url, "drafts", "--limit", "2", "--page", "3", "--format", "json")
    assert listed.exit_code == 0, listed.output
    assert [d["id"] for d in json.loads(listed.output)] == [seen[4]["id"]]  # the server's last page
    too_many = run("--server", served.url, "drafts", "--limit", "5000")
    assert too_many.exit_code != 0 and "at most 1000" in too_many.output
