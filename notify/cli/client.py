"""The CLI as a client of a running notify (`notify --server URL`, or `[client] server` in
notify.toml, with the token from $NOTIFY_TOKEN): the same commands, over /api/v1, so a team shares
one store without sharing database credentials, and who acts comes from the token.

`Remote` answers the review commands with the same values the local review service gives them
(drafts, audit entries), so each command prints the same either way.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode

from notify.errors import ConflictError, InputError, NotifyError, ReviewRefused
from notify.record.draft import Draft
from notify.record.incident import Incident
from notify.store.audit import Entry
from notify.store.waivers import Waiver

TIMEOUT = 60.0


class RemoteError(NotifyError):
    """The server could not be reached, or answered with something that is not notify's API."""

    exit_code = 3


class Remote:
    def __init__(self, server: str, token: str | None) -> None:
        if not server.startswith(("https://", "http://localhost", "http://127.0.0.1", "http://[::1]")):
            raise InputError(f"{server[:80]!r} is not a notify server address (https://)", field="--server")
        if not token:
            raise InputError(
                "with --server, who you are comes from your token", hint="set NOTIFY_TOKEN (notify token create)"
            )
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token
        self._full: dict[str, dict[str, Any]] = {}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = str(json.loads(exc.read(10_000)).get("detail"))
            except (ValueError, AttributeError):
                detail = exc.reason
            raise _error(exc.code, detail) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise RemoteError(f"cannot reach notify at {self.base}: {getattr(exc, 'reason', exc)}") from None

    # what the review commands ask of the local review service

    def create(self, incident: Incident) -> Draft:
        return self._draft(self.call("POST", "/incidents", incident.model_dump(mode="json")))

    def summaries(
        self, state: str | None = None, incident_id: str | None = None, limit: int = 50, page: int = 1
    ) -> tuple[list[Draft], int]:
        """One page of drafts from the server (which pages them: the client never fetches them all), and the total."""
        wanted = (("state", state), ("incident", incident_id), ("limit", limit), ("page", page))
        answer = self.call("GET", "/drafts?" + urlencode({k: v for k, v in wanted if v}))
        return [self._draft(d) for d in answer["drafts"]], int(answer["total"])

    def get(self, draft_id: str) -> Draft:
        return self._draft(self.call("GET", f"/drafts/{quote(draft_id, safe='')}"))

    def approval_holds(self, draft: Draft) -> bool:
        return bool(self._full.get(draft.id, {}).get("approval_holds"))

    def waivers(self, draft_id: str) -> list[Waiver]:
        return [Waiver(**w) for w in self._full.get(draft_id, {}).get("waivers", [])]

    def approve(self, draft_id: str, comment: str | None, waive: dict[str, str]) -> Draft:
        body = {"comment": comment, "waive": waive}
        return self._draft(self.call("POST", f"/drafts/{quote(draft_id, safe='')}/approve", body))

    def reject(self, draft_id: str, reason: str) -> Draft:
        return self._draft(self.call("POST", f"/drafts/{quote(draft_id, safe='')}/reject", {"reason": reason}))

    def publish(self, draft_id: str) -> Draft:
        return self._draft(self.call("POST", f"/drafts/{quote(draft_id, safe='')}/publish"))

    def send(self, draft_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", f"/drafts/{quote(draft_id, safe='')}/send")
        return answer

    def replies(self, incident_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", f"/incidents/{quote(incident_id, safe='')}/replies")["replies"]
        return found

    def audit(self, subject: str | None = None) -> list[Entry]:
        return [Entry(**e) for e in self._audit(subject)["entries"]]

    def verify(self, head: dict[str, Any] | None = None) -> list[str]:
        """The server checks its own chain (a head file is checked where the database is)."""
        return [str(p) for p in self._audit(None)["problems"]]

    def _audit(self, subject: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", "/audit" + (f"?{urlencode({'subject': subject})}" if subject else ""))
        return answer

    def _draft(self, data: dict[str, Any]) -> Draft:
        self._full[data["id"]] = data
        fields: dict[str, Any] = {name: data.get(name) for name in Draft.__dataclass_fields__}
        fields["incident_id"] = data["incident"]
        for name in ("record", "messages", "report"):
            fields[name] = data.get(name) or {}
        return Draft(**fields)


def _error(status: int, detail: str) -> NotifyError:
    if status == 409:
        return ConflictError(detail)
    if status == 403:
        return ReviewRefused(detail)
    if status in (400, 401, 404, 422, 429):
        return InputError(detail)
    return RemoteError(f"the server answered {status}: {detail}")


def remote(server: str) -> Remote:
    return Remote(server, os.environ.get("NOTIFY_TOKEN"))
