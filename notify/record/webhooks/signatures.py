"""Each incident tool's way of proving a delivery is theirs, checked on the raw body in constant time."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time


def pagerduty(secret: str, body: bytes, header: str | None) -> bool:
    """X-PagerDuty-Signature: v1=<hex HMAC-SHA256>, comma-separated while a secret is being rotated."""
    if not header:
        return False
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    ok = False
    for candidate in header.split(","):
        ok |= hmac.compare_digest(candidate.strip().encode(), expected.encode())  # no early exit
    return ok


def standard_webhooks(
    secret: str,
    body: bytes,
    msg_id: str | None,
    timestamp: str | None,
    signatures: str | None,
    *,
    now: float | None = None,
    tolerance: int = 300,
) -> bool:
    """Standard Webhooks (incident.io, Svix): base64 HMAC-SHA256 of "id.timestamp.body", key from whsec_."""
    if not (msg_id and timestamp and signatures):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    key_text = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(key_text + "=" * (-len(key_text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    ok = False
    for item in signatures.split():
        version, _, value = item.partition(",")
        if version == "v1":
            ok |= hmac.compare_digest(value.encode(), expected)
    return ok


def grafana(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None = None,
    *,
    now: float | None = None,
    tolerance: int | None = 300,
) -> bool:
    """Grafana's optional HMAC: hex HMAC-SHA256 of the body, or of "timestamp:body" when a timestamp
    is sent; a signed timestamp (Unix seconds) older or newer than `tolerance` is a replay."""
    if not signature:
        return False
    moment = time.time() if now is None else now
    if (
        timestamp is not None
        and tolerance is not None
        and not (timestamp.isdigit() and abs(moment - int(timestamp)) <= tolerance)
    ):
        return False
    message = (timestamp.encode() + b":" + body) if timestamp is not None else body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.strip().lower().encode(), expected.encode())


def token(expected: str, authorization: str | None) -> bool:
    """Authorization: Bearer <token>, or Basic auth whose password is the token (as Alertmanager and
    Opsgenie configs allow)."""
    if not authorization or not expected:
        return False
    scheme, _, value = authorization.partition(" ")
    given = value.strip()
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(given, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
