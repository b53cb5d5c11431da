"""Subscriptions people manage themselves: sign up, confirm by a link (double opt-in), change what
they follow, leave with one click. Links carry signed, expiring tokens that name one address and
one purpose; nothing ever lists the addresses.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from notify.record.subscribers import Subscriber, normalise_email
from notify.signing import Signer
from notify.store.database import Store

LIFETIME = {"confirm": timedelta(days=2), "manage": timedelta(days=180), "unsubscribe": timedelta(days=180)}


class Tokens:
    """Links that name one address for one purpose and expire: confirm, manage, unsubscribe."""

    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, "subscriptions")

    def issue(self, email: str, purpose: str, now: datetime) -> str:
        return self._signer.seal(purpose, str(int((now + LIFETIME[purpose]).timestamp())), email)

    def read(self, token: str | None, purpose: str, now: datetime) -> str | None:
        """The address the token names, if it is ours, for this purpose, and not expired."""
        fields = self._signer.open(token, 3)
        if fields is None or fields[0] != purpose or not fields[1].isdigit() or int(fields[1]) < now.timestamp():
            return None
        return fields[2]


def request(store: Store, email: str, components: list[str], language: str, now: datetime) -> str | None:
    """Record a sign-up awaiting confirmation: "asked". None for an address that is not one.

    "confirmed" for an address already subscribed: its choice is left as it is, since anyone can
    type an address into the form; only the owner's own link (preferences) changes it. Signing up
    again never confirms by itself."""
    normalised = normalise_email(email)
    if normalised is None:
        return None
    address = normalised.casefold()
    with store.transaction() as tx:
        rows = tx.execute("SELECT confirmed_at, unsubscribed_at FROM subscriptions WHERE email = ?", (address,))
        if rows and rows[0]["confirmed_at"] and not rows[0]["unsubscribed_at"]:
            return "confirmed"
        tx.execute(
            "INSERT INTO subscriptions (email, components_json, language, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (email) DO UPDATE SET components_json = excluded.components_json,"
            " language = excluded.language",
            (address, json.dumps(sorted(set(components))), language, now.isoformat()),
        )
    return "asked"


def confirm(store: Store, email: str, now: datetime) -> None:
    with store.transaction() as tx:
        tx.execute(
            "UPDATE subscriptions SET confirmed_at = ?, unsubscribed_at = NULL WHERE email = ?",
            (now.isoformat(), email),
        )


def update(store: Store, email: str, components: list[str], language: str) -> None:
    with store.transaction() as tx:
        tx.execute(
            "UPDATE subscriptions SET components_json = ?, language = ? WHERE email = ?",
            (json.dumps(sorted(set(components))), language, email),
        )


def unsubscribe(store: Store, email: str, now: datetime) -> None:
    """Leave, whether the address signed up here or came from a team's subscriber file: a file's
    address is kept as left, so no later send from the file reaches it."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO subscriptions (email, components_json, language, created_at, unsubscribed_at)"
            " VALUES (?, '[]', 'en', ?, ?)"
            " ON CONFLICT (email) DO UPDATE SET unsubscribed_at = excluded.unsubscribed_at",
            (email.casefold(), now.isoformat(), now.isoformat()),
        )


def left(store: Store) -> set[str]:
    """Every address that unsubscribed (casefolded)."""
    with store.read() as tx:
        return {r["email"] for r in tx.execute("SELECT email FROM subscriptions WHERE unsubscribed_at IS NOT NULL")}


def get(store: Store, email: str) -> dict[str, object] | None:
    with store.transaction() as tx:
        rows = tx.execute("SELECT * FROM subscriptions WHERE email = ?", (email,))
    return rows[0] if rows else None


def confirmed(store: Store, tokens: Tokens, now: datetime) -> list[Subscriber]:
    """Everyone who confirmed and has not left, each with a fresh signed unsubscribe token."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT * FROM subscriptions WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL ORDER BY email"
        )
    return [
        Subscriber(
            email=r["email"],
            components=tuple(json.loads(r["components_json"])),
            token=tokens.issue(r["email"], "unsubscribe", now),
            language=r["language"],
        )
        for r in rows
    ]
