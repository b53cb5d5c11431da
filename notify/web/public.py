"""The public status page, served: the same files `notify publish --site` writes, from published drafts."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from notify.clock import utc_now
from notify.record.draft import PUBLISHED
from notify.render.site import render_site
from notify.web.middleware import json_error

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".css": "text/css",
}


def register(app: FastAPI) -> None:
    async def page(request: Request, name: str) -> Response:
        files = await run_in_threadpool(_render, request)
        if name not in files:
            return json_error(404, "no such page")
        suffix = name[name.rfind(".") :]
        return Response(files[name], media_type=TYPES.get(suffix, "text/plain"))

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> Response:
        return await page(request, "index.html")

    @app.get("/index.html", response_class=HTMLResponse)
    async def index_html(request: Request) -> Response:
        return await page(request, "index.html")

    @app.get("/status.json")
    async def status(request: Request) -> Response:
        return await page(request, "status.json")

    @app.get("/feed.atom")
    async def feed(request: Request) -> Response:
        return await page(request, "feed.atom")

    @app.get("/style.css")
    async def style(request: Request) -> Response:  # a file: no need to render the site for it
        from notify.resources import bundled_dir

        return Response(
            (bundled_dir("templates") / "site" / "style.css").read_text(encoding="utf-8"), media_type=TYPES[".css"]
        )

    @app.get("/incidents/{incident_id}.html", response_class=HTMLResponse)
    async def incident(request: Request, incident_id: str) -> Response:
        return await page(request, f"incidents/{incident_id}.html")


def _render(request: Request) -> dict[str, str]:
    review = request.app.state.stores.review()
    return render_site(
        review.listing(state=PUBLISHED), now=utc_now(), title=request.app.state.config.service.title, signup=True
    )
