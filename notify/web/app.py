"""The service: webhooks in, review pages for approvers, the public status page out.

`create_app(config_path, db)` builds the ASGI app; `app` is one built from $NOTIFY_CONFIG and
$NOTIFY_DB for other ASGI servers (`uvicorn notify.web.app:app`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from notify.review.service import Review, Translations
from notify.settings.project import Config
from notify.settings.service import load_service_config
from notify.store.database import open_store

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
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
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

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(json.dumps({
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds"), "method": scope["method"],
                    "path": scope["path"], "status": status, "ms": round((time.perf_counter() - start) * 1000, 1),
                    "client": client[0] if client else None}))


class _TooLarge(Exception):
    pass


class Stores:
    """One store connection per worker thread (SQLite and psycopg connections are not shared across
    threads); one compiled policy, one set of templates and one set of translations for them all."""

    def __init__(self, location: str | None, general: Config) -> None:
        from notify.policy.judge import Policy
        from notify.render.messages import Renderer

        self.location = location
        self.four_eyes = general.four_eyes
        self.policy = Policy.load(general.policy_dirs, org=general.org)
        self.renderer = Renderer(general.template_dirs)
        self.translations = Translations()
        self._local = threading.local()

    def review(self) -> Review:
        review = getattr(self._local, "review", None)
        if review is None:
            review = Review(open_store(self.location), policy=self.policy, renderer=self.renderer,
                            four_eyes=self.four_eyes, translations=self.translations)
            self._local.review = review
        return review


def create_app(config_path: str | None = None, db: str | None = None) -> FastAPI:
    from notify.resources import secret_key
    from notify.settings.project import load_config

    config = load_service_config(config_path)
    general = load_config(config_path)
    stores = Stores(db or general.db, general)
    stores.review()  # open (and migrate) now, so a bad location fails at start-up, not mid-request
    app = FastAPI(title="notify", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_few_threads)
    app.state.config = config
    app.state.stores = stores
    secret = config.service.session_secret
    app.state.secret = secret.get_secret_value().encode() if secret else secret_key()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    from notify.web import hooks as web_hooks
    from notify.web import public as web_public
    from notify.web import review as web_review
    from notify.web import subscribe as web_subscribe

    web_hooks.register(app)
    web_review.register(app)
    web_subscribe.register(app)
    web_public.register(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(AccessLog)
    return app


WORKER_THREADS = int(os.environ.get("NOTIFY_THREADS", "2"))


@asynccontextmanager
async def _few_threads(app: FastAPI) -> AsyncIterator[None]:
    """Drafting is CPU work under one interpreter lock: a few threads take requests in turn, where
    anyio's forty would all wait on each other and on the store's writer, and the slowest wait long."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    yield


def json_error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _default_app() -> FastAPI:
    return create_app(os.environ.get("NOTIFY_CONFIG"), os.environ.get("NOTIFY_DB"))


def __getattr__(name: str) -> Any:  # `notify.web.app:app` builds on first use, not on import
    if name == "app":
        globals()["app"] = _default_app()
        return globals()["app"]
    raise AttributeError(name)
