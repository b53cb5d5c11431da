"""The REST API, /api/v1: everything the review pages do, for other tools and for `notify --server`.

Each request carries `Authorization: Bearer TOKEN` (`notify token create`); the token acts as its
person, in its role: an author writes drafts, a reviewer also decides, publishes and sends, an
admin may do all. Four-eyes and the audit log apply exactly as on the review pages, so an author's
token cannot approve that author's draft. JSON in and out; an error is `{"detail": "one line"}`.
The OpenAPI document of these routes alone is at /api/v1/openapi.json.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from notify.errors import ConflictError, NotifyError, ReviewRefused
from notify.record.draft import Draft
from notify.record.incident import Incident
from notify.review.service import Review, blocking_rules, merged_findings, merged_rewrites
from notify.store import rate_limits, tokens
from notify.store.drafts import MAX_PAGE
from notify.store.rate_limits import Limit
from notify.web import limits
from notify.web.middleware import json_error

PREFIX = "/api/v1"
State = Literal["pending", "approved", "rejected", "published", "superseded"]
FAILED_TOKENS_PER_CLIENT = Limit(30, 15 * 60)
DRAFT_ID = Path(
    pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$",
    description="a draft id: the incident's id and its revision",
    examples=["INC-1042-r1"],
)


INCIDENT_ID = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["INC-1042"])


class ApiRefused(Exception):
    """Answered as JSON with this status and one line."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=500)
    waive: dict[str, Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=dict, description="rule id: why its finding is wrong for this draft"
    )


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


def caller(request: Request) -> tokens.Token:
    """The token's person, or 401; a client that keeps sending bad tokens waits (429)."""
    store = request.app.state.stores.review().store
    key = f"api-token:client:{limits.client(request)}"
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    token = tokens.find(store, secret.strip()) if scheme.lower() == "bearer" and secret else None
    if token is None:
        wait = rate_limits.take(store, key, FAILED_TOKENS_PER_CLIENT, time.time())
        if wait:
            raise ApiRefused(429, "too many requests with a bad token; wait", {"Retry-After": str(int(wait) + 1)})
        raise ApiRefused(401, "send Authorization: Bearer TOKEN (notify token create)", {"WWW-Authenticate": "Bearer"})
    return token


Caller = Annotated[tokens.Token, Depends(caller)]


def needs(token: tokens.Token, role: str) -> None:
    if not token.may(role):
        raise ApiRefused(403, f"{token.person}'s token is an {token.role}'s; this needs a {role}")


def draft_json(review: Review, draft: Draft, full: bool = False) -> dict[str, Any]:
    """A draft's summary; `full` adds what `notify show` prints: the record, every message as it
    will be sent, the findings and rewrites (and the raw report), the decision and its waivers."""
    out = {**draft.summary(), "approval_holds": review.approval_holds(draft), "blocking": blocking_rules(draft.report)}
    if full:
        out |= {
            "record": draft.record,
            "messages": draft.messages,
            "findings": [f.as_dict() | {"audience": f.audience} for f in merged_findings(draft.report)],
            "rewrites": merged_rewrites(draft.report),
            "report": draft.report,
            "approved_hash": draft.approved_hash,
            "decision_note": draft.decision_note,
            "waivers": [dataclasses.asdict(w) for w in review.waivers(draft.id)],
        }
    return out


def register(app: FastAPI) -> None:

    def review_of(request: Request) -> Review:
        review: Review = request.app.state.stores.review()
        return review

    def existing(review: Review, draft_id: str) -> Draft:
        try:
            return review.get(draft_id)
        except NotifyError as exc:
            raise ApiRefused(404, str(exc).splitlines()[0]) from None

    @app.post(
        PREFIX + "/incidents", status_code=201, summary="Store an incident record (or an update) as a pending draft"
    )
    def create_incident(request: Request, incident: Incident, token: Caller) -> JSONResponse:
        needs(token, "author")
        review = review_of(request)
        draft = review.create(incident, token.person, source="api")
        return JSONResponse(draft_json(review, draft, full=True), status_code=201)

    @app.get(PREFIX + "/drafts", summary="Drafts, newest first, a page at a time")
    def list_drafts(
        request: Request,
        token: Caller,
        state: Annotated[State | None, Query()] = None,
        incident: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> dict[str, Any]:
        """Each draft's summary, read from the columns alone, so a page costs the same at 10 and at
        100,000 drafts; `total` counts them all and `next` is the next page's path (null on the last)."""
        found, total = review_of(request).summaries(state, incident, limit, page)
        query = {k: v for k, v in (("state", state), ("incident", incident)) if v}
        more = total > page * limit
        return {
            "drafts": [d.summary() for d in found],
            "total": total,
            "page": page,
            "limit": limit,
            "next": f"{PREFIX}/drafts?{urlencode({**query, 'limit': limit, 'page': page + 1})}" if more else None,
        }

    @app.get(PREFIX + "/drafts/{draft_id}", summary="A draft with its messages, findings and rewrites")
    def show_draft(request: Request, token: Caller, draft_id: Annotated[str, DRAFT_ID]) -> dict[str, Any]:
        review = review_of(request)
        return draft_json(review, existing(review, draft_id), full=True)

    @app.post(PREFIX + "/drafts/{draft_id}/approve", summary="Approve, optionally waiving findings with reasons")
    def approve(
        request: Request, token: Caller, draft_id: Annotated[str, DRAFT_ID], body: Approval | None = None
    ) -> dict[str, Any]:
        needs(token, "reviewer")
        review = review_of(request)
        existing(review, draft_id)
        body = body or Approval()
        return draft_json(review, review.approve(draft_id, token.person, body.comment, waive=body.waive))

    @app.post(PREFIX + "/drafts/{draft_id}/reject", summary="Reject with a reason the author can act on")
    def reject(request: Request, token: Caller, draft_id: Annotated[str, DRAFT_ID], body: Rejection) -> dict[str, Any]:
        needs(token, "reviewer")
        review = review_of(request)
        existing(review, draft_id)
        return draft_json(review, review.reject(draft_id, token.person, body.reason))

    @app.post(PREFIX + "/drafts/{draft_id}/publish", summary="Put an approved draft on the status page")
    def publish(request: Request, token: Caller, draft_id: Annotated[str, DRAFT_ID]) -> dict[str, Any]:
        from notify.review import sending

        needs(token, "reviewer")
        review = review_of(request)
        existing(review, draft_id)
        sending.publish(review, draft_id, token.person, {"via": "api"})
        return draft_json(review, review.get(draft_id))

    @app.post(PREFIX + "/drafts/{draft_id}/send", summary="Email an approved draft to its subscribers")
    def send(request: Request, token: Caller, draft_id: Annotated[str, DRAFT_ID]) -> dict[str, Any]:
        from notify.web.review import send_approved

        needs(token, "reviewer")
        review = review_of(request)
        existing(review, draft_id)
        summary = send_approved(request, review, draft_id, token.person)
        return {**summary.as_dict(), "draft": draft_json(review, review.get(draft_id))}

    @app.get(PREFIX + "/incidents/{incident_id}/replies", summary="Customers' replies to an incident, newest first")
    def incident_replies(request: Request, token: Caller, incident_id: Annotated[str, INCIDENT_ID]) -> dict[str, Any]:
        from notify.store import replies

        found = replies.of_incident(review_of(request).store, incident_id)
        return {"replies": [r.as_dict() for r in found]}

    @app.get(PREFIX + "/audit", summary="The audit log, for everything or one incident or draft")
    def audit(
        request: Request, token: Caller, subject: Annotated[str | None, Query(max_length=100)] = None
    ) -> dict[str, Any]:
        review = review_of(request)
        return {"entries": [e.as_dict() for e in review.audit(subject)], "problems": review.verify()}

    @app.get(PREFIX + "/openapi.json", include_in_schema=False)
    def openapi() -> dict[str, Any]:
        routes = [r for r in app.routes if getattr(r, "path", "").startswith(PREFIX)]
        return get_openapi(title="notify API", version="1", routes=routes, description=__doc__)

    @app.exception_handler(ApiRefused)
    async def refused(request: Request, exc: ApiRefused) -> JSONResponse:
        response = json_error(exc.status, exc.detail)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(NotifyError)
    async def notify_error(request: Request, exc: NotifyError) -> JSONResponse:
        status = 409 if isinstance(exc, ConflictError) else 403 if isinstance(exc, ReviewRefused) else 422
        return json_error(status, str(exc).splitlines()[0])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return json_error(422, f"{where}: {first.get('msg')}" if where else str(first.get("msg")))
