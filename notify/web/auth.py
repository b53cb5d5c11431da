"""Reviewer sign-in: scrypt password hashes, signed session cookies, CSRF tokens bound to the session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SESSION_SECONDS = 12 * 3600


def hash_password(password: str) -> str:
    """scrypt$n$r$p$salt$hash, for the [[reviewers]] entries of notify.toml."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT, dklen=32)
    return "scrypt${n}${r}${p}${s}${d}".format(
        **SCRYPT, s=base64.b64encode(salt).decode(), d=base64.b64encode(digest).decode()
    )


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class Session:
    name: str
    nonce: str
    expires: int


class Signer:
    """Signs session cookies and derives CSRF tokens with one server secret."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"notify-session\0" + secret).digest()

    def _mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def issue(self, name: str, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_SECONDS)
        payload = base64.urlsafe_b64encode(f"{name}|{expires}|{secrets.token_hex(16)}".encode()).decode()
        return f"{payload}.{self._mac(payload)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        if not cookie or "." not in cookie:
            return None
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        try:
            name, expires, nonce = base64.urlsafe_b64decode(payload.encode()).decode().split("|")
        except (ValueError, UnicodeDecodeError):
            return None
        if int(expires) < (now or time.time()):
            return None
        return Session(name, nonce, int(expires))

    def csrf(self, nonce: str) -> str:
        return self._mac("csrf|" + nonce)

    def csrf_ok(self, nonce: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(nonce).encode(), (token or "").encode())
