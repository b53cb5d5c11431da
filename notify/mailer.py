"""Email on the wire: header-safe messages, and SMTP settings that never show their password.

Delivery never changes content: the subject, text and HTML are the approved draft's, byte for byte;
only the envelope headers (To, Message-ID, unsubscribe links) differ per recipient.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, quote, unquote, urlsplit

from notify.errors import InputError


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_tls: bool = False
    start_tls: bool | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __str__(self) -> str:  # for messages and logs: never the password
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://user:pass@host:587?starttls=1 or smtps://host:465; NOTIFY_SMTP_USERNAME/PASSWORD fill gaps."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise InputError(f"not an SMTP URL: {parts.scheme or '?'}://…", field="--smtp",
                         hint="smtp://user:pass@host:587?starttls=1 or smtps://host:465")
    query = parse_qs(parts.query)
    flags = {"1", "true", "yes", "on"}
    start_tls = None
    if "starttls" in query:
        start_tls = query["starttls"][0].lower() in flags
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise InputError("the SMTP port is not a number", field="--smtp") from None
    return SmtpSettings(
        host=parts.hostname, port=port, use_tls=parts.scheme == "smtps", start_tls=start_tls,
        username=unquote(parts.username) if parts.username else os.environ.get("NOTIFY_SMTP_USERNAME"),
        password=unquote(parts.password) if parts.password else os.environ.get("NOTIFY_SMTP_PASSWORD"),
        timeout=float(query.get("timeout", ["30"])[0]),
    )


def message_id(draft_id: str, recipient: str, domain: str) -> str:
    """The same for the same draft and recipient, so a resend is recognisable as the same message."""
    digest = hashlib.sha256(f"{draft_id}\0{recipient.casefold()}".encode()).hexdigest()[:32]
    return f"<{digest}.notify@{domain}>"


@dataclass(frozen=True)
class Envelope:
    sender: Address
    reply_to: Address | None
    unsubscribe_url: str | None  # the one-click endpoint; the token is added per recipient
    unsubscribe_mailto: str | None


def sender_address(value: str) -> Address:
    """'Example Status <status@example.com>' or a bare address, refusing anything that could inject."""
    if any(c in value for c in "\r\n\0"):
        raise InputError("the From address must be one line", field="--from")
    from email.utils import parseaddr

    name, addr = parseaddr(value)
    if "@" not in addr:
        raise InputError(f"{value!r} is not an email address", field="--from",
                         hint="--from 'Status <status@example.com>'")
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


def build(parts: dict[str, str], recipient: str, *, envelope: Envelope, message_id_: str, token: str,
          now: datetime) -> EmailMessage:
    """multipart/alternative: the approved text and HTML, with headers a mail client expects."""
    message = EmailMessage()
    message["Subject"] = parts["subject"]  # the email policy refuses CR/LF in header values
    message["From"] = envelope.sender
    message["To"] = recipient
    if envelope.reply_to is not None:
        message["Reply-To"] = envelope.reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_
    message["Auto-Submitted"] = "auto-generated"
    links = []
    if envelope.unsubscribe_url:
        joiner = "&" if "?" in envelope.unsubscribe_url else "?"
        links.append(f"<{envelope.unsubscribe_url}{joiner}token={quote(token)}>")
    if envelope.unsubscribe_mailto:
        links.append(f"<mailto:{envelope.unsubscribe_mailto}?subject=unsubscribe%20{quote(token)}>")
    if links:
        message["List-Unsubscribe"] = ", ".join(links)
    if envelope.unsubscribe_url:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(parts["text"])
    message.add_alternative(parts["html"], subtype="html")
    return message
