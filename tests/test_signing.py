"""One signer for sessions and subscription links: a token is read only by the purpose it was made
for, under the secret it was made with, unaltered and unexpired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notify.signing import MAX_TOKEN, Signer
from notify.store.subscriptions import Tokens
from notify.web.auth import Sessions


def test_a_token_reads_back_only_under_its_own_secret_and_purpose() -> None:
    token = Signer(b"secret", "session").seal("1", "a|b")
    assert Signer(b"secret", "session").open(token, 2) == ["1", "a|b"]
    assert Signer(b"other", "session").open(token, 2) is None
    assert Signer(b"secret", "subscriptions").open(token, 2) is None


def test_altered_malformed_or_oversized_tokens_are_refused() -> None:
    signer = Signer(b"secret", "session")
    payload, mac = signer.seal("alice").split(".")
    forged = Signer(b"secret", "session").seal("mallory").split(".")[0]
    for token in [f"{forged}.{mac}", f"{payload}.{mac[:-1]}0", payload, "", None, "x" * (MAX_TOKEN + 1) + "." + mac]:
        assert signer.open(token, 1) is None, token


def test_a_session_cookie_is_not_a_subscription_link_and_expires() -> None:
    sessions, tokens = Sessions(b"secret"), Tokens(b"secret")
    cookie = sessions.issue("sam", "scrypt$old", now=1_000_000.0)
    session = sessions.read(cookie, now=1_000_001.0)
    assert session is not None and session.name == "sam"
    assert sessions.holds(session, "scrypt$old") and not sessions.holds(session, "scrypt$new")
    assert sessions.read(cookie, now=1_000_000.0 + 13 * 3600) is None
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert tokens.read(cookie, "manage", now) is None
    link = tokens.issue("sam@example.com", "confirm", now)
    assert tokens.read(link, "confirm", now) == "sam@example.com"
    assert tokens.read(link, "manage", now) is None
    assert tokens.read(link, "confirm", now + timedelta(days=3)) is None
    assert sessions.csrf_ok(session.nonce, sessions.csrf(session.nonce))
    assert not sessions.csrf_ok(session.nonce, sessions.csrf("another"))
