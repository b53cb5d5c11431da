"""Post approved updates beyond email: Slack and Microsoft Teams incoming webhooks, a generic outbound
webhook signed the Standard Webhooks way, the social post (delivery.social) and the SMS text
(delivery.sms). Every post goes through the outbox, so it is retried with backoff (429, 5xx,
timeouts), recorded the moment it is known, and recorded as failed when it fails for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from notify.clock import Clock
from notify.delivery import sms, social
from notify.delivery.http import post
from notify.errors import InputError
from notify.record.draft import Draft
from notify.store import outbox, sms_subscriptions
from notify.store.database import Store

KINDS = ("slack", "teams", "teams-connector", "webhook", "mastodon", "bluesky")
CHANNELS = (*KINDS, "sms")  # what deliver() posts; SMS rows come from the SMS subscribers, not --to
SLACK_SECTION = 3000


def parse_destination(value: str) -> tuple[str, str]:
    """'slack:https://hooks.slack.com/…' into ('slack', URL)."""
    kind, _, url = value.partition(":")
    if kind not in KINDS or not url.startswith(("https://", "http://")):
        raise InputError(
            f"{value.split('?')[0][:60]!r} is not KIND:URL",
            field="--to",
            hint="--to slack:https://hooks.slack.com/services/… (or teams:…, teams-connector:…, webhook:…, "
            "mastodon:https://mastodon.example, bluesky:https://bsky.social)",
        )
    return kind, url


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as control characters (links, mentions: `<!channel>` pings everyone);
    its rules: replace those three with entities, and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(entry: dict[str, Any], title: str, page_url: str | None) -> dict[str, Any]:
    """Block Kit (a header, status and components, the text, a button to the page) with the whole
    update as the plain `text` Slack shows in notifications and where blocks are not rendered."""
    body = slack_escape(entry["body"]).replace("**", "*")  # Slack's mrkdwn: *bold*, no headings
    lines = [line for line in body.splitlines() if not line.startswith("## ")]
    paragraphs = [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]
    sections, current = [], ""
    for paragraph in paragraphs:  # a section holds at most 3,000 characters
        if current and len(current) + len(paragraph) + 2 > SLACK_SECTION:
            sections.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph[:SLACK_SECTION]
    if current:
        sections.append(current)
    about = f"*{slack_escape(entry['status'].replace('_', ' ').title())}*"
    if entry.get("components"):
        about += " · " + slack_escape(", ".join(entry["components"]))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": False}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": about}]},
        *({"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[:45]),
    ]
    if page_url:
        button = {"type": "button", "text": {"type": "plain_text", "text": "Status page"}, "url": page_url}
        blocks.append({"type": "actions", "elements": [button]})
    fallback = "\n".join(line.removeprefix("## ") for line in body.splitlines())
    return {"text": fallback, "blocks": blocks, "unfurl_links": False}


def teams_payload(entry: dict[str, Any], title: str, page_url: str | None) -> dict[str, Any]:
    """An Adaptive Card in the message envelope that Teams Workflows webhooks take: the title, the
    status and components as facts, the update's paragraphs (TextBlock reads a subset of Markdown:
    bold and lists, as the status text has them) and a button to the page."""
    body = entry["body"]
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip() and not p.startswith("## ")]
    facts = [{"title": "Status", "value": entry["status"].replace("_", " ").title()}]
    if entry.get("components"):
        facts.append({"title": "Components", "value": ", ".join(entry["components"])})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "FactSet", "facts": facts},
            *({"type": "TextBlock", "text": p, "wrap": True} for p in paragraphs),
        ],
    }
    if page_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Status page", "url": page_url}]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
    return {"type": "message", "attachments": [attachment]}


def payload(kind: str, draft: Draft, message_id: str, now: datetime, page_url: str | None = None) -> dict[str, Any]:
    status = draft.messages["status"]
    entry = json.loads(status["json"])
    body = entry["body"]
    title = f"{entry['status'].replace('_', ' ').title()}: {entry['title']}"
    if kind == "slack":
        return slack_payload(entry, title, page_url)
    if kind == "teams":
        return teams_payload(entry, title, page_url)
    if kind == "teams-connector":  # the legacy Office 365 connector card, for connectors not yet moved
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "title": title,
            "text": body.split("\n", 2)[-1].strip(),
        }
    return {
        "type": "incident.updated",
        "timestamp": now.isoformat(),
        "id": message_id,
        # the draft id last: the status entry carries its own "draft" flag, which must not overwrite it
        "data": {**entry, "draft": draft.id, "incident": draft.incident_id, "revision": draft.revision},
    }


def _settle(
    row: outbox.Row,
    exc: Exception,
    now: datetime,
    retry_base: float,
    max_attempts: int,
    retry: list[tuple[int, str, str]],
    failed: list[tuple[int, str]],
    summary: dict[str, Any],
) -> None:
    """A failed post: tried again later with backoff, or recorded as failed for good."""
    from notify.delivery.sender import Permanent

    attempts = row.attempts + 1
    if isinstance(exc, Permanent) or attempts >= max_attempts:
        reason = str(exc) if isinstance(exc, Permanent) else f"gave up after {attempts} tries: {exc}"
        failed.append((row.id, reason))
        summary["failed"] += 1
        # a phone number says whom; a chat or webhook URL may hold a secret, so only its kind
        where = row.recipient if row.channel == "sms" else row.channel
        summary["failures"].append({"destination": where, "error": reason})
    else:
        delay = retry_base * 2 ** (attempts - 1)
        retry.append((row.id, str(exc), (now + timedelta(seconds=delay)).isoformat()))
        summary["retried"] += 1


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.timestamp.body")), key from a whsec_ secret."""
    text = secret.removeprefix("whsec_")
    key = base64.b64decode(text + "=" * (-len(text) % 4))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def enqueue(store: Store, clock: Clock, draft: Draft, destinations: list[tuple[str, str]]) -> int:
    def message_id(url: str) -> str:
        return "msg_" + hashlib.sha256(f"{draft.id}\0{url}".encode()).hexdigest()[:24]

    rows = [
        {
            "draft_id": draft.id,
            "channel": kind,
            "recipient": url,
            "audience": "public",
            "unsubscribe_token": "-",
            "message_id": message_id(url),
        }
        for kind, url in destinations
    ]
    with store.transaction() as tx:
        return outbox.enqueue(tx, rows, clock())


def deliver(
    store: Store,
    clock: Clock,
    draft: Draft,
    *,
    secret: str | None,
    worker: str,
    retry_base: float = 2.0,
    max_attempts: int = 6,
    sleep: Callable[[float], None] = time.sleep,
    page_url: str | None = None,
    accounts: social.Accounts | None = None,
    twilio: sms.Twilio | None = None,
) -> dict[str, Any]:
    """Post every queued destination of the draft, retrying temporary failures until they succeed or
    give up. `page_url`, when given, is linked from the Slack message and the social posts."""
    from notify.delivery.sender import Permanent

    summary: dict[str, Any] = {"sent": 0, "retried": 0, "failed": 0, "failures": []}
    outbox.reclaim_orphans(store)  # what a killed run on this machine had claimed goes again
    while True:
        rows = outbox.claim(store, draft.id, worker, 50, clock(), timedelta(minutes=5), CHANNELS)
        if not rows:
            due = outbox.next_due(store, draft.id, CHANNELS)
            if due is None:
                return summary
            sleep(max(0.0, min((datetime.fromisoformat(due) - clock()).total_seconds(), 30.0)))
            continue
        for row in rows:
            # each outcome is recorded as soon as it is known: a killed run repeats at most the
            # post in flight, never a batch of texts people already got
            now = clock()
            sent: list[tuple[int, str]] = []
            retry: list[tuple[int, str, str]] = []
            failed: list[tuple[int, str]] = []
            try:
                _send_one(row, draft, now, secret=secret, page_url=page_url, accounts=accounts, twilio=twilio)
            except sms.NumberStopped as exc:  # they replied STOP to this sender: never again
                sms_subscriptions.stop(store, row.recipient, now)
                _settle(row, Permanent(str(exc)), now, retry_base, max_attempts, retry, failed, summary)
            except Exception as exc:  # classified by each call: Temporary or Permanent
                _settle(row, exc, now, retry_base, max_attempts, retry, failed, summary)
            else:
                sent.append((row.id, now.isoformat()))
                summary["sent"] += 1
            outbox.record(store, sent, retry, failed)


def _send_one(
    row: outbox.Row,
    draft: Draft,
    now: datetime,
    *,
    secret: str | None,
    page_url: str | None,
    accounts: social.Accounts | None,
    twilio: sms.Twilio | None,
) -> None:
    """One row's post: a text, a social post, or a chat or webhook payload."""
    from notify.delivery.sender import Permanent

    if row.channel == "sms":
        if twilio is None:
            raise Permanent("no Twilio account to send with")
        twilio.send(row.recipient, str(draft.messages["sms"]["text"]).strip())
        return
    if row.channel in social.KINDS:
        social.send(row.channel, row.recipient, draft, row.message_id, now, page_url, accounts or social.Accounts())
        return
    body = json.dumps(payload(row.channel, draft, row.message_id, now, page_url)).encode()
    headers: dict[str, str] = {}
    if row.channel == "webhook":
        if not secret:
            raise Permanent("no signing secret for the outbound webhook")
        stamp = int(now.timestamp())
        headers = {
            "webhook-id": row.message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, row.message_id, stamp, body),
        }
    post(row.recipient, body, headers)
