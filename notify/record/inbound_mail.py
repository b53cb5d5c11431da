"""Mail that comes back, read: a person's reply, an auto-reply, a bounce or a complaint.

    auto-replies       RFC 3834 Auto-Submitted (anything but "no"), Precedence bulk/junk/list/
                       auto_reply, X-Autoreply, X-Autorespond, and out-of-office subjects
    bounces            RFC 3464 delivery status notifications (multipart/report;
                       report-type=delivery-status): each Final-Recipient with Action failed
                       (a 5.x.x status is hard, 4.x.x soft) or delayed (soft)
    complaints         RFC 5965 feedback reports (report-type=feedback-report): the original
                       recipient, from Original-Rcpt-To or the reported message's To

A reply's text is the customer's own words: quoted history and signatures are stripped by
email_reply_parser (a port of GitHub's). Nothing here decides which incident it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

MAX_MESSAGE = 2 * 1024 * 1024  # a reply larger than this is refused at the SMTP door
MAX_TEXT = 20_000
OUT_OF_OFFICE = re.compile(
    r"^(auto(matic)?[ -]?(reply|response)|out of (the )?office|abwesenheit|absence|vacation|away from)", re.I
)
SIGN_OFF = re.compile(
    r"^(best|best regards|regards|kind regards|cheers|thanks|thank you|sincerely|viele grüße|gruß|grüße),?$",
    re.I,
)
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Inbound:
    kind: str  # reply | auto | bounce | complaint
    sender: str
    subject: str
    message_id: str
    recipients: tuple[str, ...]  # whom it was sent to (where a reply tag is)
    references: tuple[str, ...]  # In-Reply-To and References, oldest first
    text: str = ""
    bounced: tuple[tuple[str, bool], ...] = ()  # (address, hard)
    complained: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # Message-IDs inside a report (the original message)


def read(raw: bytes, recipients: list[str] | None = None) -> Inbound:
    message = message_from_bytes(raw[:MAX_MESSAGE], policy=policy.default)
    sender = parseaddr(str(message.get("From") or ""))[1]
    subject = " ".join(str(message.get("Subject") or "").split())[:300]
    message_id = _ids(str(message.get("Message-ID") or ""))
    to = [a for _, a in getaddresses([str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])])]
    base: dict[str, Any] = {
        "sender": sender,
        "subject": subject,
        "message_id": message_id[0] if message_id else "",
        "recipients": tuple(recipients or to),
        "references": tuple(
            dict.fromkeys(_ids(str(message.get("References") or "")) + _ids(str(message.get("In-Reply-To") or "")))
        ),
    }
    report = message.get_param("report-type", header="content-type")
    if message.get_content_type() == "multipart/report" and report == "delivery-status":
        return Inbound("bounce", **base, bounced=tuple(_failed_recipients(message)), mentions=_inner_ids(message))
    if message.get_content_type() == "multipart/report" and report == "feedback-report":
        return Inbound("complaint", **base, complained=tuple(_complainants(message)), mentions=_inner_ids(message))
    if _automatic(message, subject):
        return Inbound("auto", **base)
    return Inbound("reply", **base, text=_own_words(message))


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)


def _automatic(message: Message, subject: str) -> bool:
    submitted = str(message.get("Auto-Submitted") or "").strip().lower()
    precedence = str(message.get("Precedence") or "").strip().lower()
    return (
        (bool(submitted) and submitted != "no")
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        or bool(OUT_OF_OFFICE.match(subject))
    )


def _own_words(message: EmailMessage) -> str:
    from email_reply_parser import EmailReplyParser

    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(style|script|blockquote).*?</\1>", " ", content))
    text: str = EmailReplyParser.parse_reply(str(content)[:MAX_TEXT])
    return _without_sign_off(text.strip())


def _without_sign_off(text: str) -> str:
    """The parser drops quoted history and '-- ' signatures; a short sign-off block ("Best,\nAna")
    at the end goes too, so reviewers read what was said."""
    lines = text.splitlines()
    for index in range(len(lines) - 1, max(len(lines) - 6, 0) - 1, -1):
        if SIGN_OFF.match(lines[index].strip()) and index > 0:
            return "\n".join(lines[:index]).strip()
    return text


def _fields(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    return [message_from_bytes(block.strip().encode() + b"\n", policy=policy.default) for block in text.split("\n\n")]


def _failed_recipients(message: Message) -> list[tuple[str, bool]]:
    out = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _fields(part):
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            action = str(block.get("Action") or "").strip().lower()
            status = str(block.get("Status") or "").strip()
            address = recipient.split(";", 1)[-1].strip()
            if address and action in ("failed", "delayed"):
                out.append((address, action == "failed" and status.startswith("5")))
    return out


def _complainants(message: Message) -> list[str]:
    found = []
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            for block in _fields(part):
                found += [str(v).strip() for v in block.get_all("Original-Rcpt-To", [])]
    if not found:
        for part in message.walk():
            if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
                inner = part.get_payload()
                headers = inner[0] if isinstance(inner, list) and inner else None
                if headers is None and isinstance(inner, str):
                    headers = message_from_bytes(inner.encode(), policy=policy.default)
                if isinstance(headers, Message):
                    found += [a for _, a in getaddresses([str(headers.get("To") or "")])]
    return [a for a in found if "@" in a]


def _inner_ids(message: Message) -> tuple[str, ...]:
    """Message-IDs of the reported original, so a bounce or complaint finds its incident."""
    ids: list[str] = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list):
                ids += [i for m in inner if isinstance(m, Message) for i in _ids(str(m.get("Message-ID") or ""))]
            elif isinstance(inner, str):
                ids += _ids(next((line for line in inner.splitlines() if line.lower().startswith("message-id:")), ""))
    return tuple(ids)
