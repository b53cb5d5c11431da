"""What an attacker tried (issue 14), each reproduced against a real service or the real CLI."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .service import Service


class Browser:
    """Cookies kept, redirects not followed: what a person's browser would send, by hand."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def get(self, path: str) -> tuple[int, str, Any]:
        return self._open(urllib.request.Request(self.url + path))

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, Any]:
        body = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.url + path, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, Any]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), exc.headers

    def login(self, name: str, password: str) -> tuple[int, str, Any]:
        _, page, _ = self.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf, page
        return self.post("/login", {"name": name, "password": password, "csrf": csrf[1]})


@pytest.fixture
def service(tmp_path: Path) -> Any:
    with Service(tmp_path, str(tmp_path / "service.db")) as running:
        yield running


def test_the_login_page_shows_only_messages_the_server_chose(service: Service) -> None:
    browser = Browser(service.url)
    status, page, _ = browser.get("/login?error=" + urllib.parse.quote("Your account is locked: call +1 555 0199"))
    assert status == 200 and "account is locked" not in page and "0199" not in page
    status, page, _ = browser.get("/login?error=mismatch")
    assert status == 401 and "That name and password do not match a reviewer." in page


def test_an_unknown_name_costs_the_same_password_check_as_a_known_one(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notify.web import review

    checked: list[str] = []
    real = review.check_password

    def recording(password: str, stored: str) -> bool:
        checked.append(stored.split("$")[0])
        return real(password, stored)

    monkeypatch.setattr(review, "check_password", recording)
    browser = Browser(service.url)
    assert browser.login("nobody", "guess")[0] == 401
    assert browser.login("sam", "wrong")[0] == 401
    assert checked == ["scrypt", "scrypt"]  # the same scrypt work either way: timing does not tell names apart
    assert browser.login("sam", "sam-password")[0] == 303


SIGNED_SHAPES = [  # signed with the tool's real secret: only the shape is wrong
    ("pagerduty", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("pagerduty", b'{"event": {"id": ' + b"9" * 5000 + b"}}", "4,300 digits"),
    ("pagerduty", b'{"event": {"event_type": "incident.triggered", "data": "not an object"}}', "wrong type"),
    ("pagerduty", b'{"event": {"event_type": "incident.triggered", "data": {"service": 7, "id": "P1"}}}', ""),
    ("pagerduty", b'{"event": {"event_type": "incident.triggered", "data": []}}', ""),
]


@pytest.mark.parametrize(("source", "body", "expected"), SIGNED_SHAPES)
def test_signed_bodies_of_the_wrong_shape_are_422_with_one_line(
    service: Service, source: str, body: bytes, expected: str
) -> None:
    from .service import pagerduty_headers

    status, answer = service.post(f"/hooks/{source}", body, pagerduty_headers(body))
    assert status == 422, answer
    assert expected in answer["detail"] and "\n" not in answer["detail"]


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
RECORD = "id: INC-1\nstatus: investigating\nseverity: minor\nstarted_at: 2026-11-22T09:12:00Z\nimpact: Slow.\n"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("laughs.yaml", LAUGHS, "anchors and aliases"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("digits.json", '{"id": ' + "9" * 5000 + "}", "4,300 digits"),
        ("year0.yaml", RECORD.replace("2026-11-22", "0000-01-01") + "title: T\n", "is not a date and time"),
        ("twice.yaml", RECORD + "title: One\ntitle: Two\n", "'title' is given twice (lines 6 and 7)"),
        ("twice.json", '{"id": "A", "id": "B"}', "'id' is given twice"),
        ("bidi.yaml", RECORD + "title: Sign\u202ein is down\n", "invisible or control character (U+202E)"),
        ("zero-width.yaml", RECORD + "title: Sign\u200bin\n", "invisible or control character (U+200B)"),
    ],
)
def test_hostile_records_exit_2_with_a_reason_and_no_traceback(tmp_path: Path, name: str, text: str, expected: str):
    from .conftest import run

    path = tmp_path / name
    path.write_text(text)
    for command in ("check", "draft"):
        result = run(command, str(path))
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output


def test_plain_scalars_stay_the_text_that_was_written(tmp_path: Path) -> None:
    from notify.record.sources import load_incident

    path = tmp_path / "record.yaml"
    path.write_text(RECORD.replace("INC-1", "1:20:30".replace(":", "-")) + "title: 42\ncomponents: [0755, 1e3, yes]\n")
    incident = load_incident(str(path))
    assert incident.title == "42" and incident.components == ["0755", "1e3", "yes"]
    path.write_text(RECORD.replace("id: INC-1", "id: 1:20:30") + "title: T\n")
    with pytest.raises(Exception, match="id: String should match pattern"):
        load_incident(str(path))  # as written, "1:20:30", not the number 4830 YAML 1.1 made of it


def test_a_full_disk_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    from .conftest import run

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    result = run("new", "--title", "Slow reports", "--impact", "Reports are slow.", "-o", "/dev/full", "--force")
    assert result.exit_code == 2 and "the disk is full" in result.output and "Traceback" not in result.output


def test_a_full_store_keeps_what_it_had_and_says_so(tmp_path: Path) -> None:
    from notify.errors import StoreError
    from notify.record.sources import load_incident
    from notify.review.service import Review
    from notify.store.database import open_store

    from .conftest import EXAMPLES

    store = open_store(str(tmp_path / "notify.db"))
    review = Review(store)
    first = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    pages = store._connection.execute("PRAGMA page_count").fetchone()[0]
    store._connection.execute(f"PRAGMA max_page_count = {pages}")  # SQLite answers "database or disk is full"
    with pytest.raises(StoreError, match="the disk is full: nothing of this change was stored"):
        review.create(load_incident(str(EXAMPLES / "resolved.yaml")), "dana")
    assert [d.id for d in review.listing()] == [first.id]
    assert review.verify() == []  # the audit chain is whole


@pytest.mark.parametrize("path", ["/", "/index.html", "/login", "/health", "/feed.atom"])
def test_every_page_carries_the_same_security_headers(service: Service, path: str) -> None:
    _, _, headers = Browser(service.url).get(path)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_client_that_goes_away_is_logged_499_not_500(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    import json
    import socket
    import time

    with caplog.at_level("INFO", logger="notify.access"):
        with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
            sock.sendall(
                b"POST /hooks/pagerduty HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n" + b'{"event": '
            )  # promises 1,000 bytes, sends ten, hangs up
        deadline = time.time() + 5
        while time.time() < deadline and not any(r.name == "notify.access" for r in caplog.records):
            time.sleep(0.05)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "notify.access"]
    assert [(line["path"], line["status"]) for line in lines] == [("/hooks/pagerduty", 499)]


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connects and says nothing
        b"POST /hooks/pagerduty HTTP/1.1\r\nHost: x\r\nX-Slow: ",  # headers a byte at a time
        b"POST /hooks/pagerduty HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",  # a body that never ends
    ],
)
def test_a_slow_client_gets_408_and_its_connection_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sent: bytes
) -> None:
    import socket

    from notify.web import protocol

    monkeypatch.setattr(protocol, "REQUEST_SECONDS", 0.5)
    with Service(tmp_path, str(tmp_path / "service.db")) as service:
        with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
            sock.sendall(sent)
            answer = b""
            while chunk := sock.recv(4096):  # returns b"" once the server closes
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
        assert Browser(service.url).get("/health")[0] == 200  # the service itself is unharmed


def test_a_stranger_cannot_change_a_confirmed_subscription(tmp_path: Path, smtp_server: Any) -> None:
    from notify.store import subscriptions
    from notify.store.database import open_store

    db = str(tmp_path / "service.db")
    extra = f'[smtp]\nurl = "{smtp_server.url}"\nfrom = "Example Status <status@example.com>"\nsubscribers = "store"\n'
    with Service(tmp_path, db, extra=extra) as service:
        owner = Browser(service.url)
        owner.post("/subscribe", {"email": "fan@example.net", "components": "Sign-in", "language": "en"})
        link = re.search(r"http://\S+/subscribe/confirm\?token=\S+", smtp_server.handler.received[-1].get_content())
        assert link and owner.get(link[0].removeprefix(service.url))[0] == 200

        stranger = Browser(service.url)
        status, page, _ = stranger.post("/subscribe", {"email": "FAN@example.net", "components": "Billing"})
        assert status == 200 and "Check your inbox" in page  # the same answer: nothing says who subscribes
        notice = smtp_server.handler.received[-1]
        assert notice["To"] == "FAN@example.net" and "nothing has changed" in notice.get_content()
        assert notice["Date"] and notice["Message-ID"].endswith("@example.com>")  # RFC 5322 asks for both
        assert "/preferences?token=" in notice.get_content() and "/subscribe/confirm" not in notice.get_content()
    with open_store(db) as store:
        row = subscriptions.get(store, "fan@example.net")
    assert row is not None and row["components_json"] == '["Sign-in"]' and row["confirmed_at"]


def _session_cookie(browser: Browser) -> str:
    return next(c.value for c in browser.jar if c.name == "notify_session")


def _with_cookie(url: str, cookie: str) -> int:
    request = urllib.request.Request(url + "/review", headers={"Cookie": f"notify_session={cookie}"})
    return Browser(url)._open(request)[0]


def test_signing_out_ends_the_session_on_the_server(service: Service) -> None:
    browser = Browser(service.url)
    assert browser.login("sam", "sam-password")[0] == 303
    kept = _session_cookie(browser)
    assert _with_cookie(service.url, kept) == 200
    _, page, _ = browser.get("/review")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and browser.post("/logout", {"csrf": "forged"})[0] == 403  # a cross-site sign-out is refused
    assert browser.post("/logout", {"csrf": csrf[1]})[0] == 303
    assert _with_cookie(service.url, kept) == 303  # the copied cookie signs nobody in any more


def test_a_new_password_ends_the_sessions_the_old_one_opened(tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db) as first:
        browser = Browser(first.url)
        assert browser.login("sam", "sam-password")[0] == 303
        kept = _session_cookie(browser)
        assert _with_cookie(first.url, kept) == 200
    with Service(tmp_path, db, passwords={"sam": "a-new-password"}) as second:  # notify.toml edited
        assert _with_cookie(second.url, kept) == 303
        assert Browser(second.url).login("sam", "a-new-password")[0] == 303


def test_a_captured_delivery_replayed_makes_nothing_new(tmp_path: Path) -> None:
    import json
    import time

    from .service import grafana_headers, pagerduty_headers, standard_headers
    from .test_webhooks import drafts_of, sample

    with Service(tmp_path, str(tmp_path / "service.db")) as service:
        service.db = str(tmp_path / "service.db")  # type: ignore[attr-defined]  # for drafts_of
        body = sample("pagerduty/zulip_fixture_triggered_v3.json")
        assert service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="d-1"))[0] == 201
        # the same signed body under a new, unsigned X-Webhook-Id: the signed event id says it is the same
        assert service.post("/hooks/pagerduty", body, pagerduty_headers(body, delivery="d-2")) == (
            200,
            {"duplicate": True},
        )
        assert [d.revision for d in drafts_of(service, "PD-PFQZPSY")] == [1]

        # incident.io sending the same state five times, each a new message: one revision
        body = sample("incidentio/public_incident.incident_updated_v2.openapi-example.json")
        answers = [
            service.post("/hooks/incidentio", body, standard_headers(body, f"msg_{n}", int(time.time())))
            for n in range(5)
        ]
        assert answers[0][0] == 201 and all(a == (200, {"unchanged": True}) for a in answers[1:])
        incident = answers[0][1]["draft"].rsplit("-r", 1)[0]
        assert len(drafts_of(service, incident)) == 1

        body = sample("grafana/grafana_docs_webhook_payload_example.json")
        stale = grafana_headers(body, str(int(time.time()) - 301))
        assert service.post("/hooks/grafana", body, stale)[0] == 401
    with Service(tmp_path, str(tmp_path / "other.db"), max_event_age_minutes=24 * 60) as strict:
        old = json.loads(sample("pagerduty/zulip_fixture_triggered_v3.json"))
        stale_body = json.dumps(old).encode()  # occurred_at in the sample is years ago
        status, answer = strict.post("/hooks/pagerduty", stale_body, pagerduty_headers(stale_body))
        assert status == 401 and "a replay" in answer["detail"]
        old["event"]["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        fresh = json.dumps(old).encode()
        assert strict.post("/hooks/pagerduty", fresh, pagerduty_headers(fresh))[0] == 201


def test_guessing_passwords_is_slowed_to_a_stop_across_processes(tmp_path: Path) -> None:
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db) as one, Service(tmp_path, db) as other:  # two processes, one store
        guesser = Browser(one.url)
        for _ in range(10):
            assert guesser.login("sam", "guess")[0] == 401
        status, page, headers = Browser(other.url).login("sam", "sam-password")  # even the right password
        assert status == 429 and int(headers["Retry-After"]) > 0 and "Too many sign-in attempts" in page
        assert Browser(other.url).login("dana", "dana-password")[0] == 303  # another account is not locked


def test_sign_ups_are_limited_per_client_and_mails_per_address(tmp_path: Path, smtp_server: Any) -> None:
    db = str(tmp_path / "service.db")
    extra = f'[smtp]\nurl = "{smtp_server.url}"\nfrom = "Example Status <status@example.com>"\nsubscribers = "store"\n'
    with Service(tmp_path, db, extra=extra) as service:
        browser = Browser(service.url)
        answers = [browser.post("/subscribe", {"email": "victim@example.net"}) for _ in range(22)]
        assert [a[0] for a in answers] == [200] * 20 + [429] * 2
        assert int(answers[-1][2]["Retry-After"]) > 0
        mails = [m for m in smtp_server.handler.received if m["To"] == "victim@example.net"]
        assert len(mails) == 3  # a mail bomb through us stops at three an hour


def test_rate_limits_count_in_the_store_on_both_databases(store_location: str) -> None:
    from notify.store import rate_limits
    from notify.store.database import open_store
    from notify.store.rate_limits import Limit

    rule = Limit(2, 60)
    with open_store(store_location) as store:
        assert rate_limits.take(store, "k", rule, 1000.0) == 0
        assert rate_limits.take(store, "k", rule, 1010.0) == 0
        assert rate_limits.take(store, "k", rule, 1020.0) == pytest.approx(40.0)  # the first leaves at 1060
        assert rate_limits.take(store, "other", rule, 1020.0) == 0
        assert rate_limits.take(store, "k", rule, 1061.0) == 0
        assert rate_limits.wait(store, "k", rule, 1062.0) == pytest.approx(8.0)  # 1010 leaves at 1070


def _approved_store(tmp_path: Path) -> tuple[Any, Any, Any]:
    from notify.record.sources import load_incident
    from notify.review.service import Review
    from notify.store.database import open_store

    from .conftest import EXAMPLES

    store = open_store(str(tmp_path / "notify.db"))
    review = Review(store)
    draft = review.create(load_incident(str(EXAMPLES / "identified.yaml")), "dana")
    review.approve(draft.id, "sam")
    return store, review, draft


def _sql(store: Any, *statements: str) -> None:
    """What someone with write access to the database can do behind notify's back."""
    connection = store._connection
    connection.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    connection.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for statement in statements:
        connection.execute(statement)


def test_messages_edited_with_their_hashes_are_not_sent(tmp_path: Path) -> None:
    import json

    from notify.errors import ReviewRefused
    from notify.record.draft import content_hash
    from notify.review import sending

    store, review, draft = _approved_store(tmp_path)
    assert sending.sendable(review, draft.id).id == draft.id
    forged = json.loads(json.dumps(draft.messages))
    forged["email"]["text"] = "Everything is fine. Transfer the fee to account 0000."
    digest = content_hash(forged)
    _sql(
        store,
        f"UPDATE drafts SET messages_json = '{json.dumps(forged)}', content_hash = '{digest}',"
        f" approved_hash = '{digest}' WHERE id = '{draft.id}'",
    )
    with pytest.raises(ReviewRefused, match="no approval in the audit log for these messages"):
        sending.sendable(review, draft.id)


def test_a_draft_set_to_approved_by_sql_is_not_sent(tmp_path: Path) -> None:
    from notify.errors import ReviewRefused
    from notify.record.sources import load_incident
    from notify.review import sending

    from .conftest import EXAMPLES, run

    store, review, _ = _approved_store(tmp_path)
    pending = review.create(load_incident(str(EXAMPLES / "resolved.yaml")), "dana")
    _sql(
        store,
        f"UPDATE drafts SET state = 'approved', approved_hash = content_hash, decided_by = 'sam'"
        f" WHERE id = '{pending.id}'",
    )
    assert review.get(pending.id).approval_holds  # the draft row alone is convincing
    assert not review.approval_holds(review.get(pending.id))  # what `notify show` and the page say
    result = run("show", pending.id, "--db", str(tmp_path / "notify.db"))
    assert "APPROVAL DOES NOT HOLD" in result.output
    with pytest.raises(ReviewRefused, match="no approval in the audit log"):
        sending.sendable(review, pending.id)


def test_an_edited_chain_recomputed_without_the_key_fails_verify(tmp_path: Path) -> None:
    from notify.store.audit import GENESIS, entry_hash

    store, review, _ = _approved_store(tmp_path)
    cursor = store._connection.execute("SELECT * FROM audit_log ORDER BY seq")
    names = [d[0] for d in cursor.description]
    prev, statements = GENESIS, []
    for values in cursor.fetchall():  # rewrite every actor and recompute the chain as a plain SHA-256
        row = dict(zip(names, values, strict=True))
        digest = entry_hash(
            prev,
            row["at"],
            "mallory",
            row["action"],
            row["outcome"],
            row["incident_id"],
            row["draft_id"],
            row["detail_json"],
        )
        statements.append(
            f"UPDATE audit_log SET actor = 'mallory', prev_hash = '{prev}', entry_hash = '{digest}'"
            f" WHERE seq = {row['seq']}"
        )
        prev = digest
    _sql(store, *statements)
    assert review.verify()  # written under our key, so a chain recomputed without it does not hold


def test_a_deleted_tail_shows_against_the_exported_head(tmp_path: Path) -> None:
    from .conftest import run

    store, review, _ = _approved_store(tmp_path)
    db = str(tmp_path / "notify.db")
    head = tmp_path / "elsewhere" / "head.json"
    head.parent.mkdir()
    assert run("audit", "--export", str(head), "--db", db).exit_code == 0
    assert run("audit", "--verify", "--head", str(head), "--db", db).exit_code == 0
    _sql(store, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    assert review.verify() == []  # the chain that is left is whole ...
    result = run("audit", "--verify", "--head", str(head), "--db", db)
    assert result.exit_code == 1 and "the exported head is gone or changed" in result.output  # ... but cut back


def test_an_upgraded_store_signs_its_intact_legacy_chain_once(tmp_path: Path) -> None:
    from notify.store import audit
    from notify.store.database import open_store

    db = str(tmp_path / "notify.db")
    store = open_store(db)
    connection = store._connection
    prev = audit.GENESIS
    for n in range(3):  # what a store of the previous version holds: a plain SHA-256 chain
        fields = (prev, f"2026-11-0{n + 1}T00:00:00+00:00", "sam", "approve", "ok", "INC-1", "INC-1-r1", "{}")
        digest = audit.entry_hash(*fields)
        connection.execute(
            "INSERT INTO audit_log (at, actor, action, outcome, incident_id, draft_id, detail_json, prev_hash,"
            " entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields[1:], prev, digest),
        )
        prev = digest
    connection.execute("DELETE FROM schema_migrations WHERE version = 10")
    store.close()
    with open_store(db) as upgraded:
        assert audit.verify(upgraded) == []
        assert all(e.entry_hash.startswith(audit.KEYED) for e in audit.entries(upgraded))
        with pytest.raises(Exception, match="append-only"), upgraded.transaction() as tx:  # the trigger is back
            tx.execute("UPDATE audit_log SET actor = 'x'")


YAMLISH = [
    "id: ",
    "title: ",
    "status: ",
    "started_at: ",
    "&a ",
    "*a",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "  ",
    "'",
    '"',
    "!!python/object ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "#",
    "~",
    "1:20:30",
    "0x1f",
    "\u202e",
    "9" * 50,
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(YAMLISH), st.text(max_size=8)), max_size=40), st.booleans())
def test_the_record_loader_says_what_is_wrong_or_loads_and_never_crashes(parts: list[str], as_json: bool) -> None:
    from notify.errors import InputError
    from notify.record.sources import parse_incident

    text = "".join(parts)
    try:
        parse_incident(text, "fuzz.json" if as_json else "fuzz.yaml")
    except InputError as exc:
        assert str(exc) and "Traceback" not in str(exc)


def test_a_subscriber_from_a_file_can_leave_with_the_emails_link(tmp_path: Path, smtp_server: Any) -> None:
    from .conftest import EXAMPLES, run

    db = str(tmp_path / "service.db")
    people = tmp_path / "people.csv"
    people.write_text("email,components,customer\nleaver@example.net,,\nstayer@example.net,,\n")
    with Service(tmp_path, db) as service:

        def send(example: str, draft_id: str) -> None:
            assert run("draft", str(EXAMPLES / example), "--as", "dana", "--db", db).exit_code == 0
            assert run("approve", draft_id, "--as", "sam", "--db", db).exit_code == 0
            result = run(
                "send", draft_id, "--db", db, "--smtp", smtp_server.url, "--subscribers", str(people),
                "--from", "Example Status <status@example.com>", "--unsubscribe-url", service.url + "/unsubscribe",
            )  # fmt: skip
            assert result.exit_code == 0, result.output

        send("identified.yaml", "INC-1042-r1")
        mail = next(m for m in smtp_server.handler.received if m["To"] == "leaver@example.net")
        link = re.search(r"<(http://[^>]+/unsubscribe\?token=[^>]+)>", mail["List-Unsubscribe"])
        assert link
        one_click = urllib.request.Request(link[1], data=b"List-Unsubscribe=One-Click", method="POST")
        with urllib.request.urlopen(one_click) as answer:
            assert "You are unsubscribed" in answer.read().decode()
        before = len(smtp_server.handler.received)
        send("resolved.yaml", "INC-2003-r1")
        later = [m["To"] for m in smtp_server.handler.received[before:]]
        assert later == ["stayer@example.net"]  # the file still lists them; the store remembers they left


def test_a_one_click_unsubscribe_url_must_be_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import EXAMPLES, run

    monkeypatch.delenv("NOTIFY_UNSUBSCRIBE_URL")
    db = str(tmp_path / "n.db")
    run("draft", str(EXAMPLES / "identified.yaml"), "--as", "dana", "--db", db)
    run("approve", "INC-1042-r1", "--as", "sam", "--db", db)
    result = run(
        "send", "INC-1042-r1", "--db", db, "--smtp", "smtp://127.0.0.1:1", "--subscribers", "store",
        "--from", "status@example.com", "--unsubscribe-url", "http://status.example.com/unsubscribe",
    )  # fmt: skip
    assert result.exit_code == 2 and "must be https://" in result.output
    nowhere = run(
        "send", "INC-1042-r1", "--db", db, "--smtp", "smtp://127.0.0.1:1", "--subscribers", "store",
        "--from", "status@example.com",
    )  # fmt: skip
    assert nowhere.exit_code == 2 and "where do unsubscribe requests go?" in nowhere.output
    mailbox = run(
        "send", "INC-1042-r1", "--db", db, "--smtp", "smtp://127.0.0.1:1", "--subscribers", "store",
        "--from", "status@example.com", "--unsubscribe-mailbox", "leave@example.com", "--dry-run",
    )  # fmt: skip
    assert mailbox.exit_code == 0, mailbox.output  # a mailbox someone reads is enough
