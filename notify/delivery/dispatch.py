"""Email on its way: who gets which version of an approved draft, and the outbox drained to the SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from typing import Any

from notify.clock import Clock
from notify.delivery.mailer import Envelope, SmtpSettings, message_id
from notify.delivery.sender import Options, Sender, Summary
from notify.record.draft import Draft
from notify.record.subscribers import Subscriber, unsubscribe_token
from notify.store import outbox
from notify.store.database import Store

AUDIENCE_CHANNEL = {"public": "email_public", "customers": "email"}


@dataclass
class Plan:
    """Who gets which version of the email. `rows` is read once, by whoever queues them (or counts
    them for a dry run): a list of 100,000 people is never held at once. The counts are filled as
    the rows are read."""

    draft: Draft
    rows: Iterator[dict[str, Any]]
    recipients: int = 0
    skipped: int = 0
    by_audience: dict[str, int] = field(default_factory=dict)


def plan(draft: Draft, subscribers: Iterable[Subscriber], secret: bytes, domain: str) -> Plan:
    """The plan of sending `draft` to `subscribers` (each follows the draft's components or is skipped)."""
    out = Plan(draft, iter(()))
    out.rows = _rows(out, subscribers, secret, domain)
    return out


def _rows(out: Plan, subscribers: Iterable[Subscriber], secret: bytes, domain: str) -> Iterator[dict[str, Any]]:
    draft = out.draft
    components = list(draft.record.get("components") or [])
    affected = {c.casefold() for c in draft.record.get("affected_customers") or []}
    for sub in subscribers:
        if not sub.follows(components):
            out.skipped += 1
            continue
        audience = "customers" if sub.customer and sub.customer.casefold() in affected else "public"
        if sub.language != draft.record.get("language", "en") and f"email_public.{sub.language}" in draft.messages:
            audience = f"{audience}.{sub.language}"  # their language, where the record has it
        out.recipients += 1
        out.by_audience[audience] = out.by_audience.get(audience, 0) + 1
        yield {
            "draft_id": draft.id,
            "channel": "email",
            "recipient": sub.email,
            "audience": audience,
            "unsubscribe_token": sub.token or unsubscribe_token(secret, sub.email),
            "message_id": message_id(draft.id, sub.email, domain),
        }


def envelope_for(
    draft: Draft,
    sender: Address,
    unsubscribe_url: str | None,
    unsubscribe_mailbox: str | None = None,
    page_url: str | None = None,
    reply_tag: str | None = None,
) -> Envelope:
    """Who it is from and where replies and unsubscribes go. The unsubscribe mailbox is one the
    operator named: an address nobody reads would swallow every request to leave. `reply_tag`,
    when notify listens for replies, is the incident's tagged address (delivery.reply_tags): the
    contact's name stays, the reply reaches everyone on the incident."""
    contact = draft.record.get("contact") or {}
    reply_to = None
    address = reply_tag or contact.get("email")
    if address:
        user, _, domain = address.rpartition("@")
        reply_to = Address(display_name=contact.get("name") or "", username=user, domain=domain)
    return Envelope(
        sender=sender,
        reply_to=reply_to,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=unsubscribe_mailbox,
        page_url=page_url,
    )


def parts_of(draft: Draft) -> dict[str, dict[str, str]]:
    """Each audience's email ("public", "customers", and "public.de" for a translation) as subject, text, html."""
    out = {}
    languages = ["", *sorted({key.split(".", 1)[1] for key in draft.messages if key.startswith("email.")})]
    for language in languages:
        suffix = f".{language}" if language else ""
        for audience, channel in AUDIENCE_CHANNEL.items():
            message = draft.messages.get(channel + suffix) or draft.messages["email" + suffix]
            out[audience + suffix] = {"subject": message["subject"], "text": message["text"], "html": message["html"]}
    return out


async def deliver(
    store: Store,
    clock: Clock,
    drafts_to_send: list[Draft],
    settings: SmtpSettings,
    envelope: Envelope,
    *,
    draft_id: str | None,
    worker: str,
    options: Options,
    on_progress: Callable[[str], None] | None = None,
    on_start: Callable[[Sender], None] | None = None,
) -> Summary:
    outbox.reclaim_orphans(store)
    sender = Sender(
        store,
        settings,
        {d.id: parts_of(d) for d in drafts_to_send},
        envelope,
        draft_id=draft_id,
        worker=worker,
        options=options,
        clock=clock,
        on_progress=on_progress,
    )
    if on_start:
        on_start(sender)
    return await sender.run()
