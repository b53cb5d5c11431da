"""SMS for real: people sign up with a number on the page and confirm the code texted to them; the
approved SMS goes through the outbox to a local server that answers as Twilio's Messages API does
(its 201s, a 429, a 400 for a number that takes no SMS, 21610 for one that replied STOP), and a
signed STOP reply stops a number. Once each, after a kill too, never unapproved."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlencode

import pytest

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store.database import open_store

from .conftest import EXAMPLES, run
from .fake_http import JsonService
from .service import Service

SID, AUTH, SENDER = "AC" + "0" * 32, "twilio-auth-token", "+15005550006"
OK, BUSY, LANDLINE, STOPPED = "+447700900001", "+447700900002", "+15005550009", "+447700900004"


class Twilio(JsonService):
    sent: ClassVar[list[dict[str, str]]] = []
    problems: ClassVar[list[str]] = []
    busy_once: ClassVar[set[str]] = set()
    hold_after: ClassVar[int] = 10**9  # hold the answer to the message after this many (a kill lands there)
    lock = threading.Lock()

    def do_POST(self) -> None:
        expected_path = f"/2010-04-01/Accounts/{SID}/Messages.json"
        auth = "Basic " + base64.b64encode(f"{SID}:{AUTH}".encode()).decode()
        if self.path != expected_path:
            return self._answer(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        if self.headers.get("Authorization") != auth:
            return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self._problem("not a form post")
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        if set(form) != {"To", "From", "Body"} or not re.fullmatch(r"\+[1-9]\d{6,14}", form["To"]):
            return self._problem(f"fields {sorted(form)}")
        if form["From"] != SENDER or not 0 < len(form["Body"]) <= 1600:
            return self._problem("From or Body")
        to = form["To"]
        if to == LANDLINE:
            return self._answer(
                400,
                {
                    "code": 21614,
                    "message": f"'To' number {to} is not a valid mobile number",
                    "more_info": "https://www.twilio.com/docs/errors/21614",
                    "status": 400,
                },
            )
        if to == STOPPED:
            return self._answer(
                400,
                {
                    "code": 21610,
                    "message": "Attempt to send to unsubscribed recipient",
                    "more_info": "https://www.twilio.com/docs/errors/21610",
                    "status": 400,
                },
            )
        with self.lock:
            if to in self.busy_once:
                self.busy_once.discard(to)
                return self._answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
            self.sent.append(form)
            held = len(self.sent) > self.hold_after
        if held:
            time.sleep(30)
        self._answer(
            201,
            {
                "sid": "SM" + hashlib.md5(str(len(self.sent)).encode()).hexdigest(),
                "status": "queued",
                "to": to,
                "from": SENDER,
                "body": form["Body"],
            },
        )

    def _problem(self, why: str) -> None:
        with self.lock:
            self.problems.append(why)
        self._answer(400, {"code": 21601, "message": why, "status": 400})


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch):
    Twilio.sent, Twilio.problems, Twilio.busy_once, Twilio.hold_after = [], [], set(), 10**9
    server = ThreadingHTTPServer(("127.0.0.1", 0), Twilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NOTIFY_TWILIO_API", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("NOTIFY_TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("NOTIFY_TWILIO_AUTH_TOKEN", AUTH)
    monkeypatch.setenv("NOTIFY_TWILIO_FROM", SENDER)
    yield Twilio
    server.shutdown()


def form(service: Service, path: str, fields: dict[str, str], headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        service.url + path,
        data=urlencode(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sign_up(service: Service, typed: str) -> None:
    status, page = form(service, "/subscribe/sms", {"phone": typed})
    assert status == 200 and "Type the code we texted you" in page, page
    phone = re.sub(r"[\s()-]", "", typed)
    texts = [m["Body"] for m in Twilio.sent if m["To"] == phone]
    code = re.match(r"(\d{6}) is your code for Example Status updates", texts[-1]).group(1)  # type: ignore[union-attr]
    status, page = form(service, "/subscribe/sms/confirm", {"phone": phone, "code": code})
    assert status == 200 and "You will get updates by SMS" in page


def approved(db: str, example: str = "identified.yaml", approve: bool = True) -> str:
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(load_incident(str(EXAMPLES / example)), "dana")
        if approve:
            review.approve(draft.id, "sam")
        return draft.id


def twilio_signature(url: str, fields: dict[str, str]) -> str:
    payload = url + "".join(k + fields[k] for k in sorted(fields))
    return base64.b64encode(hmac.new(AUTH.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def test_sign_up_text_and_stop(tmp_path: Path, twilio: type[Twilio]):
    db = str(tmp_path / "service.db")
    with Service(tmp_path, db) as service:
        status, page = form(service, "/subscribe/sms", {"phone": "020 7946 0958"})
        assert status == 422 and "international form" in page  # no country code: refused, nothing sent
        status, page = form(service, "/subscribe/sms/confirm", {"phone": "+447700900009", "code": "000000"})
        assert status == 400  # never asked for a code
        form(service, "/subscribe/sms", {"phone": "+44 7700 900009"})
        status, page = form(service, "/subscribe/sms/confirm", {"phone": "+447700900009", "code": "999999x"})
        assert status == 422 and "not right" in page
        for number in ("+44 7700 900001", "+44 (7700) 900-002", LANDLINE, STOPPED):
            sign_up(service, number) if number not in (LANDLINE, STOPPED) else None
        with open_store(db) as store:  # numbers Twilio will refuse, as if confirmed earlier
            from notify.store import sms_subscriptions

            for number in (LANDLINE, STOPPED):
                code = sms_subscriptions.request(store, number, [], Review(store).clock())
                assert code and sms_subscriptions.confirm(store, number, code, Review(store).clock()) == "confirmed"
        codes = len(twilio.sent)

        draft_id = approved(db)
        twilio.busy_once = {BUSY}
        result = run("sms", draft_id, "--db", db, "--retry-base", "0.05", "--format", "json")
        summary = json.loads(result.output)
        assert result.exit_code == 3 and (summary["sent"], summary["retried"], summary["failed"]) == (2, 1, 2)
        texts = twilio.sent[codes:]
        assert sorted(m["To"] for m in texts) == [OK, BUSY]  # each once; the 429 was tried again
        with open_store(db) as store:
            sms_text = Review(store).get(draft_id).messages["sms"]["text"].strip()
        assert {m["Body"] for m in texts} == {sms_text}  # the approved words, exactly
        errors = " ".join(f["error"] for f in summary["failures"])
        assert "Twilio 21614" in errors and "Twilio 21610" in errors
        again = run("sms", draft_id, "--db", db, "--format", "json")
        assert json.loads(again.output)["sent"] == 0 and len(twilio.sent) == codes + 2  # nothing twice

        url = service.url + "/hooks/twilio"
        reply = {"From": OK, "To": SENDER, "Body": "Stop", "MessageSid": "SM1", "AccountSid": SID}
        assert form(service, "/hooks/twilio", reply)[0] == 401  # unsigned
        forged = twilio_signature(url, {**reply, "From": BUSY})
        assert form(service, "/hooks/twilio", reply, {"X-Twilio-Signature": forged})[0] == 401
        status, twiml = form(service, "/hooks/twilio", reply, {"X-Twilio-Signature": twilio_signature(url, reply)})
        assert status == 200 and twiml == "<Response/>"

        before = len(twilio.sent)
        second = approved(db, "monitoring.yaml")
        result = run("sms", second, "--db", db, "--format", "json")
        assert json.loads(result.output)["sent"] == 1
        assert [m["To"] for m in twilio.sent[before:]] == [BUSY]  # OK replied STOP; STOPPED was stopped by 21610
        pending = approved(db, "resolved.yaml", approve=False)
        refused = run("sms", pending, "--db", db)
        assert refused.exit_code == 1 and "only an approved draft is sent" in refused.output
    assert twilio.problems == []


def test_a_sender_killed_mid_send_loses_nobody(tmp_path: Path, twilio: type[Twilio]):
    db = str(tmp_path / "n.db")
    numbers = [f"+4477009001{i:02d}" for i in range(6)]
    with open_store(db) as store:
        from notify.store import sms_subscriptions

        for number in numbers:
            code = sms_subscriptions.request(store, number, [], Review(store).clock())
            assert code and sms_subscriptions.confirm(store, number, code, Review(store).clock()) == "confirmed"
    draft_id = approved(db)
    twilio.hold_after = 2
    sender = subprocess.Popen(
        [sys.executable, "-m", "notify.cli.main", "sms", draft_id, "--db", db],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while len(twilio.sent) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    twilio.hold_after = 10**9
    resumed = run("sms", draft_id, "--db", db, "--format", "json")
    assert resumed.exit_code == 0, resumed.output
    got = [m["To"] for m in twilio.sent]
    assert set(got) == set(numbers)  # nobody lost
    assert len(got) <= len(numbers) + 1  # at most the one in flight twice, as with email
