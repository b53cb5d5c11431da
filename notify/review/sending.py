"""Sending and publishing, as review steps: only an approved draft whose messages are still what was
approved goes out, and every step is in the audit log. The CLI, the web and the scheduler all send
through here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from email.headerregistry import Address
from typing import Any

from notify.delivery import dispatch
from notify.delivery.dispatch import Plan
from notify.delivery.mailer import SmtpSettings
from notify.delivery.sender import Options, Summary
from notify.errors import ReviewRefused
from notify.record.draft import APPROVED, PUBLISHED, Draft
from notify.record.subscribers import Problem, Subscriber, read_subscribers
from notify.review.service import Review
from notify.store import audit, drafts, outbox


def subscribers(review: Review, source: str, secret: bytes) -> tuple[Iterator[Subscriber], list[Problem]]:
    """Who may get the email, one at a time: "store" for the people who signed up on the status page
    and confirmed, otherwise a CSV or YAML file. The list of rows it could not use fills as the
    subscribers are read: read it after them."""
    from notify.store import replies, subscriptions

    problems: list[Problem] = []
    if source == "store":
        confirmed = subscriptions.confirmed(review.store, subscriptions.Tokens(secret), review.clock())
        suppressed = replies.suppressed(review.store)
        return (s for s in confirmed if s.email.casefold() not in suppressed), problems
    listed = read_subscribers(source, problems)
    # who used an email's unsubscribe link, bounced for good or complained: never mailed again
    gone = subscriptions.left(review.store) | replies.suppressed(review.store)
    tokens, now = subscriptions.Tokens(secret), review.clock()
    kept = (
        replace(s, token=s.token or tokens.issue(s.email, "unsubscribe", now))  # a link /unsubscribe honours
        for s in listed
        if s.email.casefold() not in gone
    )
    return kept, problems


def sendable(review: Review, draft_id: str) -> Draft:
    """The draft, if it may be sent: approved, and its messages exactly what was approved."""
    draft = review.get(draft_id)
    if draft.state not in (APPROVED, PUBLISHED):
        raise ReviewRefused(
            f"{draft.id} is {draft.state}; only an approved draft is sent", hint=f"notify approve {draft.id} --as NAME"
        )
    if not draft.approval_holds:
        raise ReviewRefused(
            f"{draft.id}'s messages changed after they were approved; nothing was sent",
            hint="draft the incident again and have it approved",
        )
    if not audit.approval_holds(review.store, draft.id, draft.content_hash):
        raise ReviewRefused(
            f"{draft.id} has no approval in the audit log for these messages (was it approved in the "
            "database by hand?); nothing was sent",
            hint="`notify audit --verify` checks the log; have the draft approved with `notify approve`",
        )
    return draft


def enqueue(review: Review, send_plan: Plan, actor: str) -> int:
    now = review.clock()
    with review.store.transaction() as tx:
        added = outbox.enqueue(tx, send_plan.rows, now)
        audit.append(
            tx,
            at=now,
            actor=actor,
            action="send",
            incident_id=send_plan.draft.incident_id,
            draft_id=send_plan.draft.id,
            detail={
                "queued": added,
                "recipients": send_plan.recipients,
                "skipped": send_plan.skipped,
                "content_hash": send_plan.draft.content_hash,
            },
        )
    return added


def finish(review: Review, draft: Draft, actor: str) -> dict[str, int]:
    """Mark the draft published once no message of it is waiting; log the outcome either way."""
    counts = outbox.counts(review.store, draft.id)
    now = review.clock()
    with review.store.transaction() as tx:
        done = counts[outbox.QUEUED] == 0 and counts[outbox.SENDING] == 0
        if done and draft.state == APPROVED:
            drafts.transition(tx, draft.id, from_state=APPROVED, to_state=PUBLISHED, at=now.isoformat())
        audit.append(
            tx,
            at=now,
            actor=actor,
            action="delivered" if done else "delivery-paused",
            incident_id=draft.incident_id,
            draft_id=draft.id,
            detail=counts,
        )
    return counts


def publish(review: Review, draft_id: str, actor: str, detail: dict[str, Any]) -> Draft:
    """Mark an approved draft published (its status entry goes on the page) and log it."""
    draft = sendable(review, draft_id)
    now = review.clock()
    with review.store.transaction() as tx:
        if draft.state == APPROVED:
            drafts.transition(tx, draft.id, from_state=APPROVED, to_state=PUBLISHED, at=now.isoformat())
        audit.append(
            tx,
            at=now,
            actor=actor,
            action="publish",
            incident_id=draft.incident_id,
            draft_id=draft.id,
            detail={**detail, "content_hash": draft.content_hash},
        )
    return draft


def send_now(
    review: Review,
    draft: Draft,
    subscribers: Iterable[Subscriber],
    settings: SmtpSettings,
    sender: Address,
    unsubscribe_url: str | None,
    actor: str,
    *,
    unsubscribe_mailbox: str | None = None,
    page_url: str | None = None,
    reply_tag: str | None = None,
) -> Summary:
    """Plan, queue and deliver one approved draft from this process, for callers without a progress bar."""
    import asyncio

    from notify.resources import secret_key
    from notify.store.outbox import worker_name

    enqueue(review, dispatch.plan(draft, subscribers, secret_key(), sender.domain), actor)
    summary = asyncio.run(
        dispatch.deliver(
            review.store,
            review.clock,
            [draft],
            settings,
            dispatch.envelope_for(draft, sender, unsubscribe_url, unsubscribe_mailbox, page_url, reply_tag),
            draft_id=draft.id,
            worker=worker_name(),
            options=Options(),
        )
    )
    finish(review, draft, actor)
    return summary
