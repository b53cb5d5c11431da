"""The public status page, served: the same files `notify publish --site` writes, from published drafts."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from notify.clock import utc_now
from notify.delivery.sms import Twilio
from notify.render.site import History, Site, render_site
from notify.render.statuspage_v2 import DOCUMENTS as STATUSPAGE_V2
from notify.review.service import Review
from notify.store import component_status, drafts
from notify.web.middleware import json_error

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}


def register(app: FastAPI) -> None:
    """Each page answers GET and HEAD, with an ETag and Last-Modified, and a conditional GET with
    304: aggregators poll these every minute."""
    site_cache = SiteCache()

    async def page(request: Request, name: str) -> Response:
        files, changed = await run_in_threadpool(site_cache.get, request)
        if name not in files:
            return json_error(404, "no such page")
        suffix = name[name.rfind(".") :]
        return conditional(request, files[name], TYPES.get(suffix, "text/plain"), changed, etag(files.digest(name)))

    def get_and_head(path: str, handler: Callable[..., Awaitable[Response]]) -> None:
        app.add_api_route(path, handler, methods=["GET"], response_class=HTMLResponse)
        app.add_api_route(path, handler, methods=["HEAD"], include_in_schema=False)  # one operation id each

    def route(path: str, name: str, operation: str) -> None:
        async def serve(request: Request) -> Response:
            return await page(request, name)

        serve.__name__ = operation  # names the operation in the OpenAPI document
        get_and_head(path, serve)

    route("/", "index.html", "index")
    route("/index.html", "index.html", "index_html")
    route("/notify.json", "notify.json", "notify_json")
    for name in STATUSPAGE_V2:  # Statuspage's public API, which exporters and widgets already read
        route(
            f"/api/v2/{name}",
            f"api/v2/{name}",
            "statuspage_" + name.removesuffix(".json").replace("/", "_").replace("-", "_"),
        )
    route("/feed.atom", "feed.atom", "feed")
    route("/feed.rss", "feed.rss", "feed_rss")
    route("/history.atom", "feed.atom", "history_atom")  # Statuspage's paths, which readers already know
    route("/history.rss", "feed.rss", "history_rss")
    route("/maintenance.ics", "maintenance.ics", "maintenance_calendar")
    route("/history", "history.html", "history")
    route("/history.html", "history.html", "history_html")
    route("/badge.svg", "badge.svg", "badge")

    async def history_page(request: Request, number: int) -> Response:
        return await page(request, f"history/{number}.html")

    async def component_badge(request: Request, component: str) -> Response:
        return await page(request, f"badge/{component}.svg")

    get_and_head("/history/{number}.html", history_page)
    get_and_head("/badge/{component}.svg", component_badge)

    async def incident(request: Request, incident_id: str) -> Response:
        return await page(request, f"incidents/{incident_id}.html")

    async def style(request: Request) -> Response:  # a file: no need to render the site for it
        from notify.resources import bundled_dir

        css = (bundled_dir("templates") / "site" / "style.css").read_text(encoding="utf-8")
        return conditional(request, css, TYPES[".css"], None)

    get_and_head("/incidents/{incident_id}.html", incident)
    get_and_head("/style.css", style)


def conditional(
    request: Request, body: str, media_type: str, changed: datetime | None, tag: str | None = None
) -> Response:
    """The body, or 304 when the client's copy is current (If-None-Match first, as RFC 9110 says)."""
    tag = tag or etag(hashlib.sha256(body.encode()).hexdigest())
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if changed is not None:
        headers["Last-Modified"] = format_datetime(changed.astimezone(UTC), usegmt=True)
    given = request.headers.get("if-none-match")
    if given is not None:
        fresh = tag in {t.strip().removeprefix("W/") for t in given.split(",")} or given.strip() == "*"
    else:
        fresh = changed is not None and _not_modified_since(request.headers.get("if-modified-since"), changed)
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def etag(digest: str) -> str:
    return f'"{digest[:32]}"'


def _not_modified_since(header: str | None, changed: datetime) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and changed.replace(microsecond=0) <= since


class SiteCache:
    """The rendered site, kept until what it shows changes: a new publication, a status set by hand,
    or the minute (times, open incidents' uptime, the day's bar). A request then costs one indexed
    count, not a render of every incident, however long the history.

    Each change is rendered once, by one request (single-flight): when only the minute turned, the
    readers who come while it renders get the last minute's page at once; when something was
    published or a status set, they wait for that one render rather than see the old page. (A
    render in a background thread was tried: under one interpreter lock it slowed every reader
    while it ran, and the median request grew from 6 to 39 ms at 1,000 incidents.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()  # held across a render and the keeping of it
        self._content: tuple[Any, ...] | None = None  # what was published, set by hand, and for which base URL
        self._minute = ""
        self._value: tuple[Site, datetime | None] = (Site({}), None)
        self._refreshing = False  # a request is rendering the new minute's site
        self._history: tuple[Any, History | None] = (None, None)  # what was read for a marker: a new minute reuses it

    def get(self, request: Request) -> tuple[Site, datetime | None]:
        content, minute = self._state(request)
        with self._lock:
            same = content == self._content
            if same and (minute == self._minute or self._refreshing):
                return self._value
            if same:
                self._refreshing = True
        if same:  # this request renders the new minute; the others meanwhile get the last
            try:
                with self._render_lock:
                    return self._keep(request, content, minute)
            finally:
                with self._lock:
                    self._refreshing = False
        with self._render_lock:  # one render for everyone who came for the new content
            with self._lock:
                if content == self._content and minute == self._minute:
                    return self._value
            return self._keep(request, content, minute)

    def _keep(self, request: Request, content: tuple[Any, ...], minute: str) -> tuple[Site, datetime | None]:
        """Render the site and keep it as the current one; the caller holds the render lock, so a
        newer render is never overwritten by an older."""
        marker, history = self._history
        if history is None or marker != content[0]:
            history = _read_history(request.app.state.stores.review(), history, count=content[0][0])
            self._history = (content[0], history)
        value = _render(request, history)
        with self._lock:
            self._content, self._minute, self._value = content, minute, value
        return value

    def _state(self, request: Request) -> tuple[tuple[Any, ...], str]:
        review = request.app.state.stores.review()
        with review.store.read() as tx:
            marker = drafts.published_marker(tx)
        levels = tuple(sorted(component_status.levels(review.store).items()))
        return (marker, levels, _base_url(request)), utc_now().strftime("%Y%m%d%H%M")


def _read_history(review: Review, held: History | None, count: int) -> History:
    """The published history, `count` drafts long. When it only grew since `held` was read, only
    the new drafts are read (at 10,000 incidents reading every one took most of a second); when the
    count does not add up (a publication with an earlier clock, one still committing), all of it."""
    latest = held.latest if held is not None else None
    if held is not None and latest is not None and count > len(held.published):
        known = {d.id for d in held.published if d.decided_at == latest}
        more = [d for d in review.published(since=latest) if d.id not in known]
        if len(held.published) + len(more) == count:
            return held.extended(more, utc_now())
    return History(review.published(), utc_now())


def _base_url(request: Request) -> str:
    """The page's own address: the configured one, so that a stranger's Host header cannot make
    every request a new site to render; the request's only where none is configured."""
    service = request.app.state.config.service
    return str(request.app.state.branding.base_url or service.base_url or request.base_url)


def _render(request: Request, history: History) -> tuple[Site, datetime | None]:
    review = request.app.state.stores.review()
    service = request.app.state.config.service
    files = render_site(
        history,
        now=utc_now(),
        title=request.app.state.branding.name or service.title,  # [page] name first
        base_url=_base_url(request),
        signup=True,
        catalog=request.app.state.catalog,
        sms_signup=Twilio.from_env(required=False) is not None,
        set_by_hand=component_status.levels(review.store),
        branding=request.app.state.branding,
    )
    return files, history.changed
