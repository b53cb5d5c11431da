"""What every request passes through: a bounded body, an access log without secrets, JSON errors."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

MAX_BODY = 1024 * 1024
access_log = logging.getLogger("notify.access")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyLimit:
    """413 before reading more than MAX_BODY bytes, whether or not a Content-Length was sent.

    The answer goes out at once; then the rest of the body is read and dropped for a moment (up to
    DRAIN bytes or seconds) before the connection closes, so a client still sending its body
    reads the 413 instead of a connection reset ("lingering close", as nginx does)."""

    DRAIN, DRAIN_SECONDS = 8 * MAX_BODY, 2.0

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(receive, send)

    async def _refuse(self, receive: Receive, send: Send) -> None:
        import anyio

        body = (json.dumps({"detail": f"request body over {self.limit} bytes"}) + "\n").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": True})
        dropped = 0
        with anyio.move_on_after(self.DRAIN_SECONDS):
            while dropped < self.DRAIN:
                message = await receive()
                if message["type"] != "http.request":
                    break
                dropped += len(message.get("body", b""))
                if not message.get("more_body"):
                    break
        await send({"type": "http.response.body", "body": b""})


SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; frame-src 'self'; "
        b"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """The same protective headers on every answer, review pages, public page and API alike: no
    framing (clickjacking), no script or form target from elsewhere, no content-type guessing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, adding)


class AccessLog:
    """One JSON line per request: what was asked and answered; never headers, bodies or secrets.

    Plain ASGI rather than @app.middleware("http"), which runs each request in an extra task."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering
        answered = False

        async def noting(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
            await send(message)

        async def listening() -> Message:
            nonlocal status
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                status = 499  # the client went away before the answer: not our failure
            return message

        try:
            await self.app(scope, listening, noting)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status,
                            "ms": round((time.perf_counter() - start) * 1000, 1),
                            "client": client[0] if client else None,
                        }
                    )
                )


class _TooLarge(Exception):
    pass


def json_error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]
