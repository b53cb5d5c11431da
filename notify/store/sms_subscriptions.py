"""People who follow updates by SMS: a number in E.164 form, confirmed by a six-digit code sent to
it (five tries, ten minutes), stopped when they reply STOP or the provider says they did."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta

from notify.store.database import Store

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5


def normalise_phone(value: str) -> str | None:
    """'+44 20 7946 0958' or '+1 (555) 010-0199' as E.164, or None when it is not an international number."""
    compact = re.sub(r"[\s().-]", "", value.strip())
    return compact if E164.match(compact) else None


def _digest(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}\0{code}".encode()).hexdigest()


def request(store: Store, phone: str, components: list[str], now: datetime) -> str | None:
    """A new code for this number (the old one no longer works); None when the number already
    follows updates, so a stranger who types it changes nothing."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    with store.transaction() as tx:
        rows = tx.execute("SELECT confirmed_at, stopped_at FROM sms_subscriptions WHERE phone = ?", (phone,))
        if rows and rows[0]["confirmed_at"] and not rows[0]["stopped_at"]:
            return None
        tx.execute(
            "INSERT INTO sms_subscriptions (phone, components_json, code_hash, code_expires_at, code_attempts,"
            " created_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (phone) DO UPDATE SET"
            " components_json = excluded.components_json, code_hash = excluded.code_hash,"
            " code_expires_at = excluded.code_expires_at, code_attempts = 0",
            (phone, json.dumps(sorted(set(components))), _digest(phone, code), (now + CODE_LIFETIME).isoformat(),
             now.isoformat()),
        )  # fmt: skip
    return code


def confirm(store: Store, phone: str, code: str, now: datetime) -> str:
    """'confirmed', or why not: 'wrong', 'expired' (or no code asked for), 'locked' (too many tries)."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT code_hash, code_expires_at, code_attempts FROM sms_subscriptions WHERE phone = ?", (phone,)
        )
        if not rows or not rows[0]["code_hash"] or rows[0]["code_expires_at"] < now.isoformat():
            return "expired"
        if rows[0]["code_attempts"] >= CODE_TRIES:
            return "locked"
        if not hmac.compare_digest(rows[0]["code_hash"], _digest(phone, code.strip())):
            tx.execute("UPDATE sms_subscriptions SET code_attempts = code_attempts + 1 WHERE phone = ?", (phone,))
            return "wrong"
        tx.execute(
            "UPDATE sms_subscriptions SET confirmed_at = ?, stopped_at = NULL, code_hash = NULL WHERE phone = ?",
            (now.isoformat(), phone),
        )
    return "confirmed"


def stop(store: Store, phone: str, now: datetime) -> bool:
    with store.transaction() as tx:
        tx.execute(
            "UPDATE sms_subscriptions SET stopped_at = ? WHERE phone = ? AND stopped_at IS NULL",
            (now.isoformat(), phone),
        )
        return tx.rowcount() == 1


def following(store: Store, components: list[str]) -> list[str]:
    """Confirmed, not stopped numbers that follow one of these components (or all of them)."""
    with store.read() as tx:
        rows = tx.execute(
            "SELECT phone, components_json FROM sms_subscriptions WHERE confirmed_at IS NOT NULL AND stopped_at IS NULL"
            " ORDER BY phone"
        )
    wanted = {c.casefold() for c in components}
    out = []
    for row in rows:
        follows = {c.casefold() for c in json.loads(row["components_json"])}
        if not follows or not wanted or follows & wanted:
            out.append(row["phone"])
    return out
