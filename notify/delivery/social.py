"""The approved social post, sent where customers look (seed 002: never ignore social media): the
same status in the same words on Mastodon and on Bluesky, through the outbox like every channel.

Mastodon: POST /api/v1/statuses with the account's bearer token and an Idempotency-Key per post, so
a retry after a crash makes no second status. Bluesky has no idempotency key (and refuses a record
key of our choosing for posts), so after com.atproto.server.createSession with an app password we
read the account's newest posts (com.atproto.repo.listRecords) and create the app.bsky.feed.post
only if the same text is not among them; the status page's address carries a link facet (byte
offsets into the UTF-8 text, as the lexicon says).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from notify.errors import InputError
from notify.record.draft import PAGE_LINK, Draft

KINDS = ("mastodon", "bluesky")
RECENT = 25  # how many of the account's newest posts are read to find an earlier try


@dataclass(frozen=True)
class Accounts:
    """Credentials for the accounts that post, from the environment; never printed."""

    mastodon_token: str | None = field(default=None, repr=False)
    bluesky_handle: str | None = None
    bluesky_password: str | None = field(default=None, repr=False)  # an app password, not the account's

    @classmethod
    def from_env(cls) -> Accounts:
        return cls(
            os.environ.get("NOTIFY_MASTODON_TOKEN"),
            os.environ.get("NOTIFY_BLUESKY_HANDLE"),
            os.environ.get("NOTIFY_BLUESKY_APP_PASSWORD"),
        )

    def check(self, kinds: set[str]) -> None:
        if "mastodon" in kinds and not self.mastodon_token:
            raise InputError("posting to Mastodon needs the account's token", hint="set NOTIFY_MASTODON_TOKEN")
        if "bluesky" in kinds and not (self.bluesky_handle and self.bluesky_password):
            raise InputError(
                "posting to Bluesky needs the account and an app password",
                hint="set NOTIFY_BLUESKY_HANDLE and NOTIFY_BLUESKY_APP_PASSWORD",
            )


def post_text(draft: Draft, page_url: str | None) -> str:
    """The approved social text with the status page's address in its placeholder's place."""
    text = str(draft.messages["social"]["text"]).strip()
    if PAGE_LINK in text:
        if not page_url:
            raise InputError("the post links the status page: where is it?", field="--page-url")
        text = text.replace(PAGE_LINK, page_url)
    return text


def send(kind: str, base: str, draft: Draft, key: str, now: datetime, page_url: str | None, accounts: Accounts) -> None:
    """One post; raises Temporary or Permanent the way the outbox expects."""
    text = post_text(draft, page_url)
    language = str(draft.record.get("language") or "en")
    if kind == "mastodon":
        status: dict[str, Any] = {"status": text, "visibility": "public", "language": language[:2]}
        headers = {"Authorization": f"Bearer {accounts.mastodon_token}", "Idempotency-Key": key}
        _call(base.rstrip("/") + "/api/v1/statuses", status, headers)
        return
    session = _call(
        base.rstrip("/") + "/xrpc/com.atproto.server.createSession",
        {"identifier": accounts.bluesky_handle, "password": accounts.bluesky_password},
        {},
    )
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    query = urlencode({"repo": session["did"], "collection": "app.bsky.feed.post", "limit": RECENT})
    recent = _call(base.rstrip("/") + "/xrpc/com.atproto.repo.listRecords?" + query, None, auth, "GET")
    if any((r.get("value") or {}).get("text") == text for r in recent.get("records") or []):
        return  # an earlier try got through before its outcome was recorded
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "langs": [language],
        "facets": link_facets(text, page_url),
    }
    body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
    _call(base.rstrip("/") + "/xrpc/com.atproto.repo.createRecord", body, auth)


def link_facets(text: str, url: str | None) -> list[dict[str, Any]]:
    """A link facet over each place the URL appears, by UTF-8 byte offsets."""
    if not url:
        return []
    encoded, needle, facets, start = text.encode(), url.encode(), [], 0
    while (found := encoded.find(needle, start)) >= 0:
        facets.append(
            {
                "index": {"byteStart": found, "byteEnd": found + len(needle)},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
        start = found + len(needle)
    return facets


def _call(url: str, body: dict[str, Any] | None, headers: dict[str, str], method: str = "POST") -> dict[str, Any]:
    from notify.delivery.http import post
    from notify.delivery.sender import Temporary

    data = None if body is None else json.dumps(body).encode()
    try:
        answer: dict[str, Any] = json.loads(post(url, data, headers, method=method) or b"{}")
    except ValueError:
        raise Temporary("the answer was not JSON") from None
    return answer
