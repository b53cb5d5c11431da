"""Signed tokens, one construction for every purpose (reviewer sessions, subscription links).

Fields joined by '|', base64url without padding, then an HMAC-SHA256 under a key derived from the
server secret and the purpose, so a token made for one purpose never reads as another. MACs are
compared in constant time; a token is read back only when its MAC is ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_TOKEN = 2048  # longer than any token we issue: not worth decoding


class Signer:
    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = hashlib.sha256(f"notify-{purpose}\0".encode() + secret).digest()

    def mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def matches(self, value: str, mac: str | None) -> bool:
        return bool(mac) and hmac.compare_digest(self.mac(value).encode(), (mac or "").encode())

    def seal(self, *fields: str) -> str:
        payload = base64.urlsafe_b64encode("|".join(fields).encode()).decode().rstrip("=")
        return f"{payload}.{self.mac(payload)}"

    def open(self, token: str | None, count: int) -> list[str] | None:
        """The token's `count` fields (the last may hold '|'), or None when it is not ours."""
        if not token or "." not in token or len(token) > MAX_TOKEN:
            return None
        payload, mac = token.rsplit(".", 1)
        if not self.matches(payload, mac):
            return None
        try:
            fields = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|", count - 1)
        except (ValueError, UnicodeDecodeError):
            return None
        return fields if len(fields) == count else None
