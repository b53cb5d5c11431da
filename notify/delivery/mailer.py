"""Email on the wire: header-safe messages, and SMTP settings that never show their password.

Delivery never changes content: the subject, text and HTML are the approved draft's, byte for byte,
but for the two links its footer holds in place (the status page, and the recipient's own way to
unsubscribe), filled in per recipient; the envelope headers (To, Message-ID, unsubscribe links)
differ per recipient too.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

from notify.errors import InputError
from notify.record.draft import PAGE_LINK, UNSUBSCRIBE_LINK
from notify.record.subscribers import EMAIL

if TYPE_CHECKING:
    import aiosmtplib


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
        raise InputError(
            f"not an SMTP URL: {parts.scheme or '?'}://…",
            field="--smtp",
            hint="smtp://user:pass@host:587?starttls=1 or smtps://host:465",
        )
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
        host=parts.hostname,
        port=port,
        use_tls=parts.scheme == "smtps",
        start_tls=start_tls,
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
    page_url: str | None = None  # the public status page, linked from every email's footer

    def unsubscribe_links(self, token: str) -> list[str]:
        """The recipient's ways to leave: the one-click URL first, then the mailbox."""
        links = []
        if self.unsubscribe_url:
            joiner = "&" if "?" in self.unsubscribe_url else "?"
            links.append(f"{self.unsubscribe_url}{joiner}token={quote(token)}")
        if self.unsubscribe_mailto:
            links.append(f"mailto:{self.unsubscribe_mailto}?subject=unsubscribe%20{quote(token)}")
        return links


def sender_address(value: str) -> Address:
    """'Example Status <status@example.com>' or a bare address, refusing anything that could inject."""
    if any(c in value for c in "\r\n\0"):
        raise InputError("the From address must be one line", field="--from")
    from email.utils import parseaddr

    name, addr = parseaddr(value)
    if "@" not in addr:
        raise InputError(
            f"{value!r} is not an email address", field="--from", hint="--from 'Status <status@example.com>'"
        )
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


# The email package wraps quoted-printable at its policy's 78; RFC 2045 allows 76 per line.
QUOTED_PRINTABLE_LINES = SMTP.clone(max_line_length=76)
_SAFE_VALUE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: addresses, ids, tokens
_SAFE_UTF8 = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f<>,;\"]+$")  # the same beyond ASCII: no spaces, controls


class MessageFactory:
    """The approved email for one audience, built once; each recipient adds only a few header lines.

    The body (multipart/alternative: the approved text and HTML) and the shared headers are
    serialised once by the email package; per recipient we prepend To, Date, Message-ID and the
    unsubscribe links, whose values are checked to be plain ASCII without line breaks, and put the
    footer's links in place in the quoted-printable body (see FooterLinks).
    """

    def __init__(self, parts: dict[str, str], envelope: Envelope) -> None:
        self.envelope = envelope
        expected = sum(parts[p].count(link) for p in ("text", "html") for link in (PAGE_LINK, UNSUBSCRIBE_LINK))
        if expected and not envelope.page_url:
            raise InputError(
                "where is the status page? every email links it",
                field="--page-url",
                hint="pass --page-url https://status.example.com (or set NOTIFY_PAGE_URL)",
            )
        message = EmailMessage(policy=QUOTED_PRINTABLE_LINES)
        message["Subject"] = parts["subject"]  # the email policy refuses CR/LF in header values
        message["From"] = envelope.sender
        if envelope.reply_to is not None:
            message["Reply-To"] = envelope.reply_to
        message["Auto-Submitted"] = "auto-generated"
        if envelope.unsubscribe_url:
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        # quoted-printable keeps every line under SMTP's 998-octet limit, whatever the record says
        message.set_content(parts["text"], cte="quoted-printable")
        message.add_alternative(parts["html"], subtype="html", cte="quoted-printable")
        self._shared = message.as_bytes()
        self._footer = FooterLinks(self._shared, expected)

    def render(self, recipient: str, message_id_: str, token: str, now: datetime) -> bytes:
        """The recipient's message. An address with letters beyond ASCII before the @ goes in a UTF-8
        To header (RFC 6532), sent only with SMTPUTF8 (see needs_smtputf8)."""
        for value in (message_id_, token):
            if not _SAFE_VALUE.match(value):
                raise ValueError(f"unsafe header value {value!r}")
        if not (_SAFE_VALUE.match(recipient) or (needs_smtputf8(recipient) and _SAFE_UTF8.match(recipient))):
            raise ValueError(f"unsafe header value {recipient!r}")
        lines = [f"To: {recipient}", f"Date: {format_datetime(now)}", f"Message-ID: {message_id_}"]
        links = self.envelope.unsubscribe_links(token)
        if links:
            lines.append("List-Unsubscribe: " + ",\r\n ".join(f"<{link}>" for link in links))
        body = self._footer.fill({PAGE_LINK: self.envelope.page_url or "", UNSUBSCRIBE_LINK: links[0] if links else ""})
        return ("\r\n".join(lines) + "\r\n").encode("utf-8") + body


def needs_smtputf8(address: str) -> bool:
    """Letters beyond ASCII in the address itself (a domain is sent in its IDNA form, so: before the @)."""
    return not address.isascii()


class FooterLinks:
    """The footer's placeholder links, found once in the serialised message and filled per recipient.

    The body is quoted-printable, so a link is written as QP would write it: '=' as '=3D', and the
    line it sits on soft-broken ('=' at the end) so that no line passes 76 characters (RFC 2045).
    The templates keep each link on a short line, so the encoder never splits a placeholder; if one
    were split, the count would not match and nothing is sent.
    """

    LINE = 76

    def __init__(self, shared: bytes, expected: int) -> None:
        pattern = re.compile(b"|".join(re.escape(link.encode()) for link in (PAGE_LINK, UNSUBSCRIBE_LINK)))
        self.pieces: list[bytes | tuple[str, int, list[str], bool]] = []
        position = 0
        for found in pattern.finditer(shared):
            line_start = shared.rfind(b"\r\n", 0, found.start()) + 2
            line_end = shared.find(b"\r\n", found.end())
            if line_end < 0 or found.start() < position:
                break
            rest = shared[found.end() : line_end].decode("ascii")
            soft = rest.endswith("=")
            self.pieces.append(shared[position : found.start()])
            self.pieces.append(
                (found.group().decode(), found.start() - line_start, _qp_tokens(rest.removesuffix("=")), soft)
            )
            position = line_end
        self.pieces.append(shared[position:])
        if sum(isinstance(p, tuple) for p in self.pieces) != expected:
            raise InputError(
                "an email footer link sits on a line too long to fill in",
                hint="keep {{ page_link }} and {{ unsubscribe_link }} on short lines of their own in the footer",
            )

    def fill(self, links: dict[str, str]) -> bytes:
        out = []
        for piece in self.pieces:
            if isinstance(piece, bytes):
                out.append(piece)
                continue
            placeholder, column, rest, soft = piece
            value = links[placeholder]
            if not _SAFE_VALUE.match(value):
                raise ValueError(f"unsafe link {value!r}")
            out.append(self._wrapped(column, ["=3D" if c == "=" else c for c in value] + rest, soft))
        return b"".join(out)

    def _wrapped(self, column: int, tokens: list[str], soft: bool) -> bytes:
        lines: list[str] = []
        line: list[str] = []
        width = column
        for token in tokens:
            if width + len(token) > self.LINE - 1:  # room for the soft break's '='
                lines.append("".join(line) + "=")
                line, width = [], 0
            line.append(token)
            width += len(token)
        lines.append("".join(line) + ("=" if soft else ""))
        return "\r\n".join(lines).encode("ascii")


def _qp_tokens(encoded: str) -> list[str]:
    """Already quoted-printable text as its units: an '=XX' escape is one, any other character one."""
    return re.findall(r"=[0-9A-F]{2}|.", encoded)


def smtp_client(settings: SmtpSettings) -> aiosmtplib.SMTP:
    """An SMTP client from the settings, for the outbox sender and for one-off notices alike."""
    import aiosmtplib

    return aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.use_tls,
        start_tls=settings.start_tls,
        username=settings.username,
        password=settings.password,
        timeout=settings.timeout,
    )


def check_unsubscribe(url: str | None, mailbox: str | None) -> tuple[str | None, str | None]:
    """Every bulk email must offer a way to leave that someone honours: a one-click URL, or a mailbox
    the operator names (and reads)."""
    if not url and not mailbox:
        raise InputError(
            "where do unsubscribe requests go? nothing would honour them",
            field="--unsubscribe-url",
            hint="pass --unsubscribe-url https://status.example.com/unsubscribe (the service's page) "
            "or --unsubscribe-mailbox leave@example.com (a mailbox someone reads)",
        )
    if mailbox is not None and not (_SAFE_VALUE.match(mailbox) and EMAIL.match(mailbox)):
        raise InputError(f"{mailbox[:80]!r} is not an email address", field="--unsubscribe-mailbox")
    return check_unsubscribe_url(url), mailbox


def check_page_url(url: str | None) -> str:
    """The status page every email links: required, https (http only to this machine, for tests)."""
    if not url:
        raise InputError(
            "where is the status page? every email links it",
            field="--page-url",
            hint="pass --page-url https://status.example.com (or set NOTIFY_PAGE_URL)",
        )
    local = url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]"))
    if not (_SAFE_VALUE.match(url) and (url.startswith("https://") or local)):
        raise InputError(
            f"{url[:80]!r} is not a usable status page address (it must be https://)",
            field="--page-url",
            hint="https://status.example.com",
        )
    return url


def check_unsubscribe_url(url: str | None) -> str | None:
    """RFC 8058 one-click unsubscribe needs HTTPS; plain http only to this machine (for tests)."""
    local = url is not None and url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]"))
    if url is not None and not (_SAFE_VALUE.match(url) and (url.startswith("https://") or local)):
        raise InputError(
            f"{url[:80]!r} is not a usable one-click unsubscribe URL (it must be https://)",
            field="--unsubscribe-url",
            hint="https://status.example.com/unsubscribe",
        )
    return url
