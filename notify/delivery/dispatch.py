"""`notify send`: from an approved draft and a subscriber list to an outbox, then to the SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any

from notify.delivery.mailer import Envelope, SmtpSettings, message_id
from notify.delivery.sender import Options, Sender, Summary
from notify.record.subscribers import Subscriber, unsubscribe_token
from notify.review.service import Review, ReviewRefused
from notify.store import audit, drafts, outbox
from notify.store.drafts import APPROVED, PUBLISHED, Draft

AUDIENCE_CHANNEL = {"public": "email_public", "customers": "email"}


@dataclass(frozen=True)
class Plan:
    """Who gets which version of the email, before anything is sent."""

    draft: Draft
    rows: list[dict[str, Any]]
    skipped: list[str]

    def by_audience(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["audience"]] = out.get(row["audience"], 0) + 1
        return out


def sendable(review: Review, draft_id: str) -> Draft:
    """The draft, if it may be sent: approved, and its messages exactly what was approved."""
    draft = review.get(draft_id)
    if draft.state not in (APPROVED, PUBLISHED):
        raise ReviewRefused(f"{draft.id} is {draft.state}; only an approved draft is sent",
                            hint=f"notify approve {draft.id} --as NAME")
    if not draft.approval_holds:
        raise ReviewRefused(f"{draft.id}'s messages changed after they were approved; nothing was sent",
                            hint="draft the incident again and have it approved")
    return draft


def plan(draft: Draft, subscribers: list[Subscriber], secret: bytes, domain: str) -> Plan:
    components = list(draft.record.get("components") or [])
    affected = {c.casefold() for c in draft.record.get("affected_customers") or []}
    rows, skipped = [], []
    for sub in subscribers:
        if not sub.follows(components):
            skipped.append(sub.email)
            continue
        audience = "customers" if sub.customer and sub.customer.casefold() in affected else "public"
        if sub.language != draft.record.get("language", "en") and f"email_public.{sub.language}" in draft.messages:
            audience = f"{audience}.{sub.language}"  # their language, where the record has it
        rows.append({
            "draft_id": draft.id, "channel": "email", "recipient": sub.email, "audience": audience,
            "unsubscribe_token": sub.token or unsubscribe_token(secret, sub.email),
            "message_id": message_id(draft.id, sub.email, domain),
        })
    return Plan(draft, rows, skipped)


def envelope_for(draft: Draft, sender: Address, unsubscribe_url: str | None) -> Envelope:
    contact = draft.record.get("contact") or {}
    reply_to = None
    if contact.get("email"):
        user, _, domain = contact["email"].rpartition("@")
        reply_to = Address(display_name=contact.get("name") or "", username=user, domain=domain)
    return Envelope(sender=sender, reply_to=reply_to, unsubscribe_url=unsubscribe_url,
                    unsubscribe_mailto=f"unsubscribe@{sender.domain}")


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


def enqueue(review: Review, send_plan: Plan, actor: str) -> int:
    now = review.clock()
    with review.store.transaction() as tx:
        added = outbox.enqueue(tx, send_plan.rows, now)
        audit.append(tx, at=now, actor=actor, action="send", incident_id=send_plan.draft.incident_id,
                     draft_id=send_plan.draft.id,
                     detail={"queued": added, "recipients": len(send_plan.rows), "skipped": len(send_plan.skipped),
                             "content_hash": send_plan.draft.content_hash})
    return added


async def deliver(review: Review, drafts_to_send: list[Draft], settings: SmtpSettings, envelope: Envelope, *,
                  draft_id: str | None, worker: str, options: Options,
                  on_progress: Callable[[str], None] | None = None,
                  on_start: Callable[[Sender], None] | None = None) -> Summary:
    outbox.reclaim_orphans(review.store)
    sender = Sender(review.store, settings, {d.id: parts_of(d) for d in drafts_to_send}, envelope,
                    draft_id=draft_id, worker=worker, options=options, clock=review.clock, on_progress=on_progress)
    if on_start:
        on_start(sender)
    return await sender.run()


def finish(review: Review, draft: Draft, actor: str) -> dict[str, int]:
    """Mark the draft published once no message of it is waiting; log the outcome either way."""
    counts = outbox.counts(review.store, draft.id)
    now = review.clock()
    with review.store.transaction() as tx:
        done = counts[outbox.QUEUED] == 0 and counts[outbox.SENDING] == 0
        if done and draft.state == APPROVED:
            drafts.transition(tx, draft.id, from_state=APPROVED, to_state=PUBLISHED, at=now.isoformat())
        audit.append(tx, at=now, actor=actor, action="delivered" if done else "delivery-paused",
                     incident_id=draft.incident_id, draft_id=draft.id, detail=counts)
    return counts



def publish(review: Review, draft_id: str, actor: str, detail: dict[str, Any]) -> Draft:
    """Mark an approved draft published (its status entry goes on the page) and log it."""
    draft = sendable(review, draft_id)
    now = review.clock()
    with review.store.transaction() as tx:
        if draft.state == APPROVED:
            drafts.transition(tx, draft.id, from_state=APPROVED, to_state=PUBLISHED, at=now.isoformat())
        audit.append(tx, at=now, actor=actor, action="publish", incident_id=draft.incident_id, draft_id=draft.id,
                     detail={**detail, "content_hash": draft.content_hash})
    return draft


def send_now(review: Review, draft: Draft, subscribers: list[Subscriber], settings: SmtpSettings,
             sender: Address, unsubscribe_url: str | None, actor: str) -> Summary:
    """Plan, queue and deliver one approved draft from this process, for callers without a progress bar."""
    import asyncio

    from notify.resources import secret_key
    from notify.store.outbox import worker_name

    enqueue(review, plan(draft, subscribers, secret_key(), sender.domain), actor)
    summary = asyncio.run(deliver(review, [draft], settings, envelope_for(draft, sender, unsubscribe_url),
                                  draft_id=draft.id, worker=worker_name(), options=Options()))
    finish(review, draft, actor)
    return summary
