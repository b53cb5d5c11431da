"""Reviewer sign-in: scrypt password hashes, signed session cookies, CSRF tokens bound to the session."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from notify.signing import Signer

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
SESSION_SECONDS = 12 * 3600


def hash_password(password: str) -> str:
    """scrypt$n$r$p$salt$hash, for the [[reviewers]] entries of notify.toml."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT, dklen=32)
    return "scrypt${n}${r}${p}${s}${d}".format(
        **SCRYPT, s=base64.b64encode(salt).decode(), d=base64.b64encode(digest).decode()
    )


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, checked for unknown names so they take as long as known ones."""
    return hash_password(secrets.token_hex(16))


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
    proof: str  # binds the session to the reviewer's password hash as it was at sign-in


class Sessions:
    """Signs session cookies and derives CSRF tokens with one server secret. A session names its
    reviewer and carries a proof of their password hash, so changing the password in notify.toml
    ends every session it opened; signing out ends one (notify/store/sessions.py remembers it)."""

    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, "session")

    def issue(self, name: str, password_hash: str, now: float | None = None) -> str:
        expires = int((now or time.time()) + SESSION_SECONDS)
        return self._signer.seal(str(expires), secrets.token_hex(16), self._proof(name, password_hash), name)

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        fields = self._signer.open(cookie, 4)
        if fields is None or not fields[0].isdigit() or int(fields[0]) < (now or time.time()):
            return None
        expires, nonce, proof, name = fields
        return Session(name, nonce, int(expires), proof)

    def holds(self, session: Session, password_hash: str) -> bool:
        """The password the session was opened with is still the reviewer's."""
        return self._signer.matches(f"password|{session.name}|{password_hash}", session.proof)

    def _proof(self, name: str, password_hash: str) -> str:
        return self._signer.mac(f"password|{name}|{password_hash}")

    def csrf(self, nonce: str) -> str:
        return self._signer.mac("csrf|" + nonce)

    def csrf_ok(self, nonce: str, token: str | None) -> bool:
        return self._signer.matches("csrf|" + nonce, token)
