"""Listening: what customers write back reaches the incident, a person answers each one, and mail
that bounces or complains stops being sent.

Every update email's Reply-To names its incident with a signed tag (reply+INC-1042.<mac>@…); a
reply whose client dropped the tag is still threaded by In-Reply-To/References against the
Message-IDs notify sent. A tag that does not verify, or names no incident, is set aside, never
attached. Auto-replies are filed away and never answered; bounces and complaints are counted per
incident and change who is mailed. Replies stay for the retention period, then are deleted, and
the deletion is in the audit log. They are never shown on a public page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from notify.delivery.reply_tags import tagged
from notify.errors import ConflictError, InputError, ReviewRefused
from notify.record.inbound_mail import Inbound, read
from notify.store import audit, replies, subscriptions

if TYPE_CHECKING:
    from notify.review.service import Review

STILL_BROKEN = "says it is still broken"
STILL = re.compile(
    r"\b(still|not (yet )?(fixed|working|resolved)|(broken|down|failing|stopped) again|keeps? (failing|breaking))\b",
    re.I,
)
OTHER_PROBLEM = re.compile(r"\b(invoice|billing|charged|refund|also|another|too)\b", re.I)
TOPICS = (
    ("still broken", STILL),
    ("billing", re.compile(r"\b(invoice|billing|charged|refund|credit|payment)\b", re.I)),
    ("thanks", re.compile(r"\b(thanks|thank you|appreciate)\b", re.I)),
    ("question", re.compile(r"\?")),
)


@dataclass(frozen=True)
class Filed:
    kind: str  # reply | auto | bounce | complaint | aside
    incident_id: str | None
    duplicate: bool = False


def incident_of(review: Review, secret: bytes, mail: Inbound) -> tuple[str | None, bool]:
    """(incident, forged): by a tag that verifies, else by the messages it answers or reports."""
    for address in mail.recipients:
        incident, has_tag = tagged(secret, address)
        if has_tag:
            if incident is None or not replies.incident_exists(review.store, incident):
                return None, True
            return incident, False
    return replies.incident_by_message(review.store, [*mail.references, *mail.mentions]), False


def receive(review: Review, secret: bytes, raw: bytes, recipients: list[str], retention_days: int) -> Filed:
    """File one message that came back; act on bounces and complaints."""
    now = review.clock()
    mail = read(raw, recipients)
    incident, forged = incident_of(review, secret, mail)
    kind = "aside" if forged or (mail.kind == "reply" and incident is None) else mail.kind
    # a report counts only for the very message notify sent that address: a forged one stops
    # nobody's mail and is set aside
    ours = replies.sent_to(review.store, list(mail.mentions)) if kind in ("bounce", "complaint") else set()
    named = [a for a, _ in mail.bounced] if kind == "bounce" else list(mail.complained)
    if kind in ("bounce", "complaint") and not any(a.casefold() in ours for a in named):
        kind = "aside"
    message_id = mail.message_id or f"<no-id-{hashlib.sha256(raw).hexdigest()[:24]}@notify>"  # the same again
    stored = replies.Reply(
        id=0,
        incident_id=None if kind == "aside" else incident,
        kind=kind,
        sender=mail.sender[:254],
        subject=mail.subject,
        message_id=message_id[:300],
        refs=" ".join([*mail.references, message_id])[:4000],
        body=mail.text,
        received_at=now.isoformat(),
    )
    fresh = replies.file(review.store, stored)
    if fresh and kind == "bounce":
        for address, hard in mail.bounced:
            if address.casefold() in ours:
                replies.bounced(review.store, address, hard, now)
    if fresh and kind == "complaint":
        for address in [a for a in mail.complained if a.casefold() in ours]:
            replies.suppress(review.store, address, "complaint", now)
            subscriptions.unsubscribe(review.store, address, now)  # a complaint is a request to leave
    forget(review, retention_days)
    return Filed(kind, stored.incident_id, duplicate=not fresh)


def forget(review: Review, retention_days: int) -> int:
    """Delete what is older than the retention period, and say so in the audit log."""
    now = review.clock()
    gone = replies.purge(review.store, now - timedelta(days=retention_days))
    if gone:
        with review.store.transaction() as tx:
            audit.append(
                tx, at=now, actor="notify:retention", action="delete-replies", incident_id=None, draft_id=None,
                detail={"deleted": gone, "older_than_days": retention_days},
            )  # fmt: skip
    return gone


def raised(reply: replies.Reply, record: dict[str, Any] | None, components: list[str]) -> list[str]:
    """Why a reply needs a look first: it says the problem goes on after we said it ended, or it
    is about something this incident does not cover (seed 003: there may be another error)."""
    reasons = []
    text = reply.body
    if record and record.get("status") in ("resolved", "completed") and STILL.search(text):
        reasons.append(STILL_BROKEN + " after the resolved update")
    covered = {c.casefold() for c in (record or {}).get("components") or []}
    others = [c for c in components if c.casefold() not in covered and re.search(rf"\b{re.escape(c)}\b", text, re.I)]
    if others:
        reasons.append(f"mentions {', '.join(others)}, which this incident does not cover")
    elif OTHER_PROBLEM.search(text) and not covered & {w.casefold() for w in re.findall(r"\w+", text)}:
        reasons.append("may be about another problem")
    return reasons


def _rank(reasons: list[str]) -> int:
    """Still broken after we said it was over first, then anything else raised, then the rest."""
    if any(r.startswith(STILL_BROKEN) for r in reasons):
        return 0
    return 1 if reasons else 2


def topic(reply: replies.Reply) -> str:
    return next((name for name, pattern in TOPICS if pattern.search(reply.body)), "other")


@dataclass(frozen=True)
class Panel:
    """What the incident's review page shows of what customers are saying."""

    replies: list[tuple[replies.Reply, list[str], str]]  # each with why it is raised, and its topic
    counts: dict[str, int]
    waiting: int
    first_answer_minutes: int | None


def panel(review: Review, incident_id: str, record: dict[str, Any] | None, components: list[str]) -> Panel:
    found = replies.of_incident(review.store, incident_id)
    marked = [(r, raised(r, record, components), topic(r)) for r in found]
    marked.sort(key=lambda item: (_rank(item[1]), item[0].answered_at is not None))  # raised, then waiting
    answers = [r for r in found if r.answered_at]
    first = None
    if answers:
        earliest = min(datetime.fromisoformat(r.answered_at or "") for r in answers)
        asked = min(datetime.fromisoformat(r.received_at) for r in found)
        first = max(0, int((earliest - asked).total_seconds() // 60))
    return Panel(marked, replies.counts(review.store, incident_id), sum(not r.answered_at for r in found), first)


def answer(review: Review, reply_id: int, text: str) -> replies.Reply:
    """Check a person's answer with the policy layer; the reply it answers, to send it to."""
    reply = replies.get(review.store, reply_id)
    if reply is None or reply.kind != "reply":
        raise InputError(f"no reply {reply_id}")
    if reply.answered_at:
        raise ConflictError(f"{reply.answered_by} answered this reply at {reply.answered_at[:16]}")
    words = text.strip()
    if not words:
        raise InputError("write the answer first")
    if review.policy is None:
        from notify.policy.judge import Policy

        review.policy = Policy.load()
    result = review.policy.check_text(words, "customers")
    # an answer to one person need not carry an update's parts (next update, remedy, ...); what it
    # must not hold is a canned line, a non-apology, deflection, blame or jargon
    blocking = [
        f
        for f in result.findings
        if not f.fixed
        and not f.rule.endswith("-missing")
        and (f.severity == "error" or f.category.startswith("jargon"))
    ]
    if blocking:  # one person to another: a canned line, a non-apology, deflection or jargon is refused
        said = "; ".join(f"[{f.rule}] {f.message}" for f in blocking[:3])
        raise ReviewRefused(f"not sent: {said}")
    return reply


def mark_answered(review: Review, reply: replies.Reply, reviewer: str, text: str) -> None:
    now = review.clock()
    if not replies.answered(review.store, reply.id, reviewer, text.strip(), now):
        raise ConflictError("someone answered this reply first")
    with review.store.transaction() as tx:
        audit.append(
            tx, at=now, actor=reviewer, action="answer-reply", incident_id=reply.incident_id, draft_id=None,
            detail={"reply": reply.id},
        )  # fmt: skip
