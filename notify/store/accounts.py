"""People added on the admin page, each in a role (author: writes drafts; reviewer: also decides,
publishes and sends; admin: also manages people). Those in notify.toml's [[reviewers]] are read
from there; these are kept here, with their password hashes (scrypt). A new password ends every
session the old one opened, because a session carries a proof of the hash it was opened with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.store import audit
from notify.store.database import Store

ROLES = ("author", "reviewer", "admin")


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str
    created_by: str
    created_at: str
    changed_at: str


def get(store: Store, name: str) -> Account | None:
    with store.read() as tx:
        rows = tx.execute("SELECT * FROM accounts WHERE name = ?", (name,))
    return Account(**rows[0]) if rows else None


def listing(store: Store) -> list[Account]:
    with store.read() as tx:
        return [Account(**r) for r in tx.execute("SELECT * FROM accounts ORDER BY name")]


def add(store: Store, name: str, role: str, password_hash: str, by: str, at: datetime) -> bool:
    """False when the name is taken."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO accounts (name, role, password_hash, created_by, created_at, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
            (name, role, password_hash, by, at.isoformat(), at.isoformat()),
        )
        if tx.rowcount() != 1:
            return False
        audit.append(tx, at=at, actor=by, action="add-person", detail={"person": name, "role": role})
    return True


def change(
    store: Store, name: str, by: str, at: datetime, *, role: str | None = None, password_hash: str | None = None
) -> bool:
    """A new role or a new password (which ends the person's sessions); False when there is no such person."""
    with store.transaction() as tx:
        if role is not None:
            tx.execute("UPDATE accounts SET role = ? WHERE name = ?", (role, name))
        if password_hash is not None:
            tx.execute(
                "UPDATE accounts SET password_hash = ?, changed_at = ? WHERE name = ?",
                (password_hash, at.isoformat(), name),
            )
        if tx.rowcount() != 1:
            return False
        detail = {
            "person": name,
            **({"role": role} if role else {}),
            **({"password": "reset"} if password_hash else {}),
        }
        audit.append(tx, at=at, actor=by, action="change-person", detail=detail)
    return True
