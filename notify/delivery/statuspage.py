"""Post an approved status entry to an Atlassian Statuspage page through its REST API (v1).

The first update of an incident creates a Statuspage incident; later ones update it (the link is
kept in the store). Each update names the components by their Statuspage ids (`statuspage_id` in
the catalog) and sets their status, so the page's components change with it. `deliver_notifications`
is always sent explicitly, so Statuspage only emails its subscribers when asked to. Its rate limit
answers 420 or 429; we wait as told and try again.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from notify.errors import StatuspageError
from notify.record.catalog import Catalog, component_status
from notify.record.draft import Draft
from notify.store import statuspage_links
from notify.store.database import Store

API = "https://api.statuspage.io/v1"
IMPACT = {"minor": "minor", "major": "major", "critical": "critical"}  # none|minor|major|critical, as it takes
RATE_LIMITED = {420, 429}


def token_from_env() -> str:
    token = os.environ.get("STATUSPAGE_API_KEY") or os.environ.get("NOTIFY_STATUSPAGE_TOKEN")
    if not token:
        raise StatuspageError("no Statuspage API key", hint="set STATUSPAGE_API_KEY (it is never printed)")
    return token


def unmapped_components(draft: Draft, catalog: Catalog) -> list[str]:
    """The draft's components that have no Statuspage id: their status there stays as it was."""
    return [name for name in draft.record.get("components") or [] if not _statuspage_id(catalog, name)]


def incident_payload(draft: Draft, deliver_notifications: bool, catalog: Catalog | None = None) -> dict[str, Any]:
    record = draft.record
    body = json.loads(draft.messages["status"]["json"])["body"]
    incident: dict[str, Any] = {
        "name": json.loads(draft.messages["status"]["json"])["title"],
        "status": record["status"],
        "body": body,
        "deliver_notifications": deliver_notifications,
    }
    ids = [i for i in (_statuspage_id(catalog, n) for n in record.get("components") or []) if i]
    if ids:
        incident["component_ids"] = ids
        incident["components"] = dict.fromkeys(ids, component_status(record))
    if record["severity"] in IMPACT:  # a maintenance's impact is Statuspage's own to set
        incident["impact_override"] = IMPACT[record["severity"]]
    if record["severity"] == "maintenance":
        incident["scheduled_for"] = record["started_at"]
        if record.get("scheduled_until"):
            incident["scheduled_until"] = record["scheduled_until"]
    return {"incident": incident}


def _statuspage_id(catalog: Catalog | None, name: str) -> str | None:
    component = catalog.get(name) if catalog else None
    return component.statuspage_id if component else None


def post(
    store: Store,
    draft: Draft,
    page_id: str,
    token: str,
    *,
    deliver_notifications: bool,
    catalog: Catalog | None = None,
    api: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Create or update the page's incident for this draft; returns the Statuspage incident id."""
    base = (api or os.environ.get("NOTIFY_STATUSPAGE_API") or API).rstrip("/")
    with store.transaction() as tx:
        linked = statuspage_links.remote_id(tx, draft.incident_id, page_id)
    payload = incident_payload(draft, deliver_notifications, catalog)
    if linked:
        _call("PATCH", f"{base}/pages/{page_id}/incidents/{linked}", payload, token, sleep)
        return linked
    answer = _call("POST", f"{base}/pages/{page_id}/incidents", payload, token, sleep)
    remote_id = str(answer["id"])
    with store.transaction() as tx:
        statuspage_links.link(tx, draft.incident_id, page_id, remote_id)
    return remote_id


def _call(
    method: str, url: str, payload: dict[str, Any], token: str, sleep: Callable[[float], None], attempts: int = 5
) -> dict[str, Any]:
    data = json.dumps(payload).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"OAuth {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as exc:
            if exc.code in RATE_LIMITED and attempt < attempts:
                sleep(_retry_after(exc.headers.get("Retry-After")))
                continue
            detail = exc.read(500).decode(errors="replace")
            raise StatuspageError(
                f"Statuspage answered {exc.code} to {method} {url.split('/pages/')[0]}/pages/…: "
                f"{detail.strip() or exc.reason}"
            ) from None
        except urllib.error.URLError as exc:
            raise StatuspageError(f"cannot reach Statuspage: {exc.reason}") from None
    raise StatuspageError("Statuspage kept rate-limiting us")  # pragma: no cover - the loop returns or raises


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 1), 0.0), 60.0)
    except ValueError:
        return 1.0
