"""API tokens: each acts as one person in one role. Only a hash is kept: a token is shown once, when
it is made, and a stolen database holds none that work. Tokens are 256 random bits, so a plain
SHA-256 is as strong as a slow hash would be, and lets a request find its token by an index."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from notify.store.database import Store

ROLES = ("author", "reviewer", "admin")  # each may do what the one before it may, and more
PREFIX = "ntk_"


@dataclass(frozen=True)
class Token:
    id: str
    person: str
    role: str
    created_at: str
    revoked_at: str | None = None

    def may(self, role: str) -> bool:
        """Whether this token's role includes `role` (a reviewer may author, an admin may review)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(store: Store, person: str, role: str, now: datetime) -> tuple[Token, str]:
    """A new token and its secret, which is never stored and cannot be shown again."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    token_id = secrets.token_hex(4)
    secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO api_tokens (id, person, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (token_id, person, role, digest(secret), now.isoformat()),
        )
    return Token(token_id, person, role, now.isoformat()), secret


def find(store: Store, secret: str) -> Token | None:
    """The live token this secret is, or None (unknown, malformed or revoked)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with store.read() as tx:
        rows = tx.execute(
            "SELECT id, person, role, created_at, revoked_at FROM api_tokens WHERE secret_hash = ?",
            (digest(secret),),
        )
    if not rows or rows[0]["revoked_at"]:
        return None
    return Token(**dict(rows[0]))


def listing(store: Store) -> list[Token]:
    with store.read() as tx:
        rows = tx.execute("SELECT id, person, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, id")
    return [Token(**dict(r)) for r in rows]


def revoke(store: Store, token_id: str, now: datetime) -> bool:
    """False when there is no such live token."""
    with store.transaction() as tx:
        tx.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now.isoformat(), token_id)
        )
        return tx.rowcount() == 1
