"""POST /hooks/<tool>: verify the tool's scheme on the raw body, map the payload, make a draft."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from notify.errors import InputError
from notify.record.catalog import unmapped_note
from notify.record.webhooks import (
    Event,
    Ignored,
    Unrecognised,
    alertmanager,
    incidentio,
    opsgenie,
    pagerduty,
    signatures,
)
from notify.review.ingest import accept, changes_nothing, incident_from_event, too_old
from notify.review.service import latest_record
from notify.settings.service import ServiceConfig
from notify.store import deliveries
from notify.web.middleware import body_digest, json_error

Check = Callable[[ServiceConfig, Request, bytes], bool]


def _pagerduty(config: ServiceConfig, request: Request, body: bytes) -> bool:
    secret = config.secret("pagerduty")
    return bool(secret) and signatures.pagerduty(secret or "", body, request.headers.get("x-pagerduty-signature"))


def _incidentio(config: ServiceConfig, request: Request, body: bytes) -> bool:
    secret = config.secret("incidentio")
    h = request.headers
    return bool(secret) and signatures.standard_webhooks(
        secret or "",
        body,
        h.get("webhook-id") or h.get("svix-id"),
        h.get("webhook-timestamp") or h.get("svix-timestamp"),
        h.get("webhook-signature") or h.get("svix-signature"),
    )


def _grafana(config: ServiceConfig, request: Request, body: bytes) -> bool:
    secret = config.secret("grafana")
    if not secret:
        return False
    signature = request.headers.get("x-grafana-alerting-signature")
    if signature is not None:
        return signatures.grafana(secret, body, signature, request.headers.get("x-grafana-alerting-timestamp"))
    return signatures.token(secret, request.headers.get("authorization"))


def _token(source: str) -> Check:
    def check(config: ServiceConfig, request: Request, body: bytes) -> bool:
        expected = config.secret(source)
        return bool(expected) and signatures.token(expected or "", request.headers.get("authorization"))

    return check


def _delivery_id(source: str, request: Request, body: bytes, payload: Any) -> str:
    h = request.headers
    if source == "pagerduty":  # the event id the signature covers, never the unsigned X-Webhook-Id header
        return str((payload.get("event") or {}).get("id") or body_digest(body))
    if source == "incidentio":
        return h.get("webhook-id") or h.get("svix-id") or body_digest(body)
    return body_digest(body)


SOURCES: dict[str, tuple[Check, Callable[[Any, datetime], Event] | None]] = {
    "pagerduty": (_pagerduty, pagerduty.parse),
    "incidentio": (_incidentio, incidentio.parse),
    "opsgenie": (_token("opsgenie"), opsgenie.parse),
    "alertmanager": (_token("alertmanager"), alertmanager.parse),
    "grafana": (_grafana, alertmanager.parse_grafana),
    "notify": (_token("notify"), None),  # notify's own incident record, as JSON
}


def register(app: FastAPI) -> None:
    for source in SOURCES:
        app.add_api_route(
            f"/hooks/{source}",
            _handler(source),
            methods=["POST"],
            name=f"hook_{source}",
            summary=f"A {source} webhook delivery",
            responses={
                201: {"description": "a new draft"},
                200: {"description": "a delivery already received"},
                202: {"description": "an event that needs no customer update"},
                401: {"description": "missing or wrong signature or token"},
                413: {"description": "over 1 MiB"},
                422: {"description": "malformed JSON or an unknown shape"},
            },
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
                }
            },
        )


def _handler(source: str) -> Callable[[Request], Any]:
    check, parse = SOURCES[source]

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        config: ServiceConfig = request.app.state.config
        if not check(config, request, body):
            return json_error(401, f"missing or wrong {source} signature or token")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return json_error(422, f"malformed JSON: {exc}")
        except RecursionError:
            return json_error(422, "malformed JSON: nested too deeply")
        except ValueError:  # an integer of more digits than Python converts
            return json_error(422, "malformed JSON: a number of more than 4,300 digits")
        if not isinstance(payload, dict):
            return json_error(422, "the payload must be a JSON object")
        return await run_in_threadpool(_process, request, config, body, payload)

    def _process(request: Request, config: ServiceConfig, body: bytes, payload: dict[str, Any]) -> JSONResponse:
        review = request.app.state.stores.review()  # this worker thread's own connection
        notes: list[str] = []
        try:
            if parse is None:
                from notify.record.sources import parse_incident

                incident, _ = parse_incident(body.decode(), f"{source} payload")
            else:
                now = review.clock()
                event = parse(payload, now)
                stale = too_old(event, now, config.service.max_event_age_minutes)
                if stale:
                    return json_error(401, stale)
                previous = latest_record(review.store, event.incident_id)
                catalog = request.app.state.catalog
                components = catalog.for_event(source, event)
                incident = incident_from_event(event, previous, config, now, components)
                if not incident.components:
                    notes.append(unmapped_note(source, event))
                if previous is not None and changes_nothing(incident, previous):
                    delivery = _delivery_id(source, request, body, payload)
                    seen = deliveries.seen(review.store, source, delivery)
                    return JSONResponse({"duplicate": True} if seen else {"unchanged": True}, status_code=200)
        except Ignored as exc:
            return JSONResponse({"ignored": str(exc)}, status_code=202)
        except (Unrecognised, InputError) as exc:
            return json_error(422, str(exc).splitlines()[0])
        except (AttributeError, TypeError, KeyError, IndexError, RecursionError):
            # a field of the wrong type where the tool's documented shape has an object or a list
            return json_error(422, f"not the shape {source} sends: a field has the wrong type")
        except ValidationError as exc:
            first = exc.errors()[0]
            return json_error(422, f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
        outcome = accept(review, source, _delivery_id(source, request, body, payload), incident, notes)
        if outcome.duplicate or outcome.draft is None:
            return JSONResponse({"duplicate": True}, status_code=200)
        draft = outcome.draft
        return JSONResponse({"draft": draft.id, "state": draft.state, "verdict": draft.verdict}, status_code=201)

    return receive
