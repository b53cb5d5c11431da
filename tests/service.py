"""A real notify service on 127.0.0.1 (uvicorn in a thread) for the web tests, and signed requests to it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import uvicorn

from notify.web.app import create_app
from notify.web.auth import hash_password
from notify.web.protocol import HTTP

from .smtp_server import free_port

SECRETS = {
    "pagerduty": "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK",
    "incidentio": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "grafana": "grafana-secret",
    "alertmanager": "am-token",
    "opsgenie": "og-token",
    "notify": "notify-token",
}
PASSWORDS = {"dana": "dana-password", "sam": "sam-password"}


def write_config(
    directory: Path,
    secrets_: dict[str, str] | None = None,
    extra: str = "",
    passwords: dict[str, str] | None = None,
    max_event_age_minutes: int = 0,  # the samples are real deliveries from years ago: accept their age
) -> Path:
    reviewers = "".join(
        f'[[reviewers]]\nname = "{n}"\npassword_hash = "{hash_password(p)}"\n'
        for n, p in (passwords or PASSWORDS).items()
    )
    secrets = "".join(f'{k} = "{v}"\n' for k, v in (secrets_ or SECRETS).items())
    path = directory / "notify.toml"
    path.write_text(f"""[service]
title = "Example Status"
contact = {{name = "Dana Reyes", email = "dana@example.com"}}
cookie_secure = false
max_event_age_minutes = {max_event_age_minutes}
[secrets]
{secrets}
{reviewers}
{extra}""")
    return path


class Service:
    def __init__(
        self,
        directory: Path,
        db: str,
        secrets_: dict[str, str] | None = None,
        extra: str = "",
        passwords: dict[str, str] | None = None,
        max_event_age_minutes: int = 0,
    ) -> None:
        self.port = free_port()
        config = write_config(directory, secrets_, extra, passwords, max_event_age_minutes)
        self.app = create_app(str(config), db)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, http=HTTP)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Service:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started and time.time() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


def pagerduty_headers(body: bytes, delivery: str = "d-1", secret: str = SECRETS["pagerduty"]) -> dict[str, str]:
    signature = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-PagerDuty-Signature": signature, "X-Webhook-Id": delivery}


def standard_headers(
    body: bytes, msg_id: str, timestamp: int, secret: str = SECRETS["incidentio"], prefix: str = "webhook"
) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return {
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(timestamp),
        f"{prefix}-signature": f"v1,{signature.decode()}",
    }


def grafana_headers(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    message = (timestamp.encode() + b":" + body) if timestamp else body
    headers = {
        "X-Grafana-Alerting-Signature": hmac.new(SECRETS["grafana"].encode(), message, hashlib.sha256).hexdigest()
    }
    if timestamp:
        headers["X-Grafana-Alerting-Timestamp"] = timestamp
    return headers


def bearer(source: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRETS[source]}"}


def basic(source: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"alertmanager:{SECRETS[source]}".encode()).decode()}
