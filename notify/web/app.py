"""The service: webhooks in, review pages for approvers, the public status page out.

`create_app(config_path, db)` builds the ASGI app; `app` is one built from $NOTIFY_CONFIG and
$NOTIFY_DB for other ASGI servers (`uvicorn notify.web.app:app`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from notify.review.service import Review, Translations
from notify.settings.project import Config
from notify.settings.service import load_service_config
from notify.store.database import open_store
from notify.web.middleware import AccessLog, BodyLimit, SecurityHeaders


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
        self.translations = Translations(org=general.org)
        self._local = threading.local()

    def review(self) -> Review:
        review = getattr(self._local, "review", None)
        if review is None:
            review = Review(
                open_store(self.location),
                policy=self.policy,
                renderer=self.renderer,
                four_eyes=self.four_eyes,
                translations=self.translations,
            )
            self._local.review = review
        return review


def create_app(config_path: str | None = None, db: str | None = None) -> FastAPI:
    from notify.resources import secret_key
    from notify.settings.project import load_config

    config = load_service_config(config_path)
    general = load_config(config_path)
    stores = Stores(db or general.db, general)
    stores.review()  # open (and migrate) now, so a bad location fails at start-up, not mid-request
    app = FastAPI(title="notify", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.config = config
    app.state.stores = stores
    app.state.catalog = general.catalog
    app.state.incident_templates = general.incident_templates
    app.state.branding = general.branding
    secret = config.service.session_secret
    app.state.secret = secret.get_secret_value().encode() if secret else secret_key()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    from notify.web import api as web_api
    from notify.web import hooks as web_hooks
    from notify.web import public as web_public
    from notify.web import review as web_review
    from notify.web import subscribe as web_subscribe

    web_hooks.register(app)
    web_api.register(app)
    web_review.register(app)
    web_subscribe.register(app)
    web_public.register(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


WORKER_THREADS = int(os.environ.get("NOTIFY_THREADS", "2"))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Drafting is CPU work under one interpreter lock: a few threads take requests in turn, where
    anyio's forty would all wait on each other and on the store's writer, and the slowest wait long.
    The SMTP listener for customers' replies starts and stops with the app."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    from notify.web.inbound import listener

    smtp = listener(app)  # customers' replies, when [inbound] smtp is set
    if smtp is not None:
        smtp.start()
    stop = threading.Event()
    anchoring = threading.Thread(target=_anchor_until, args=(app.state.stores, stop), name="audit-anchor", daemon=True)
    anchoring.start()
    try:
        yield
    finally:
        stop.set()
        anchoring.join(30)
        if smtp is not None:
            smtp.stop()


def _anchor_until(stores: Stores, stop: threading.Event) -> None:
    """The background step of the audit log: every few seconds, the heads of the chains that grew
    are anchored (audit.anchor), so a chain cut back after that shows in `notify audit --verify`."""
    import logging

    from notify.store import audit

    while not stop.wait(audit.ANCHOR_EVERY):
        try:
            review = stores.review()
            audit.anchor(review.store, review.clock())
        except Exception:  # a busy or unreachable store: the next round tries again
            logging.getLogger("notify.audit").exception("anchoring the audit chains failed; retrying")


def _default_app() -> FastAPI:
    return create_app(os.environ.get("NOTIFY_CONFIG"), os.environ.get("NOTIFY_DB"))


def __getattr__(name: str) -> Any:  # `notify.web.app:app` builds on first use, not on import
    if name == "app":
        globals()["app"] = _default_app()
        return globals()["app"]
    raise AttributeError(name)
