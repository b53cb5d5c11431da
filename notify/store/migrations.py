"""The schema, as numbered steps; each runs once per store, in order, inside the migration lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notify.store.database import Tx

Step = str | Callable[["Tx"], None]  # a statement, or Python run in the migration's transaction


def _v1(dialect: str) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    statements = [
        """CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            incident_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            state TEXT NOT NULL,
            verdict TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            record_json TEXT NOT NULL,
            messages_json TEXT NOT NULL,
            report_json TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            approved_hash TEXT,
            decided_by TEXT,
            decided_at TEXT,
            decision_note TEXT,
            UNIQUE (incident_id, revision)
        )""",
        "CREATE INDEX drafts_by_state ON drafts (state, created_at)",
        f"""CREATE TABLE audit_log (
            seq {serial},
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            outcome TEXT NOT NULL,
            incident_id TEXT,
            draft_id TEXT,
            detail_json TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL
        )""",
        "CREATE INDEX audit_by_incident ON audit_log (incident_id, seq)",
        "CREATE INDEX audit_by_draft ON audit_log (draft_id, seq)",
    ]
    if dialect == "postgresql":
        statements += [
            """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
            """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
               FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
        ]
    else:
        statements += [
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
            """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        ]
    return statements


def _v2(dialect: str) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        f"""CREATE TABLE outbox (
            id {serial},
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            audience TEXT NOT NULL,
            unsubscribe_token TEXT NOT NULL,
            message_id TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_by TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            last_error TEXT,
            UNIQUE (draft_id, channel, recipient)
        )""",
        "CREATE INDEX outbox_due ON outbox (draft_id, state, next_attempt_at)",
    ]


def _v3(dialect: str) -> list[str]:
    return [
        """CREATE TABLE statuspage_incidents (
        incident_id TEXT NOT NULL,
        page_id TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        PRIMARY KEY (incident_id, page_id)
    )"""
    ]


def _v4(dialect: str) -> list[str]:
    return [
        """CREATE TABLE webhook_deliveries (
        source TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        draft_id TEXT,
        PRIMARY KEY (source, delivery_id)
    )"""
    ]


def _v5(dialect: str) -> list[str]:
    return [
        """CREATE TABLE subscriptions (
        email TEXT PRIMARY KEY,
        components_json TEXT NOT NULL,
        language TEXT NOT NULL,
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        unsubscribed_at TEXT
    )"""
    ]


def _v6(dialect: str) -> list[str]:
    return ["CREATE INDEX drafts_by_incident_state ON drafts (incident_id, state)"]


def _v7(dialect: str) -> list[str]:
    return [
        """CREATE TABLE waivers (
        draft_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        waived_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (draft_id, rule)
    )""",
        "CREATE INDEX waivers_by_rule ON waivers (rule, at)",
    ]


def _v8(dialect: str) -> list[str]:
    return ["CREATE TABLE ended_sessions (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)"]


def _v9(dialect: str) -> list[str]:
    return [
        "CREATE TABLE rate_hits (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX rate_hits_by_key ON rate_hits (key, at)",
        "CREATE INDEX rate_hits_by_time ON rate_hits (at)",
    ]


def _v10(dialect: str) -> list[Step]:
    """Sign the chain written so far under the key (audit.seal_legacy); the triggers that keep the
    log append-only step aside for it and no longer."""
    from notify.store.audit import seal_legacy

    if dialect == "postgresql":
        return [
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            seal_legacy,
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
        ]
    return [
        "DROP TRIGGER audit_log_no_update",
        seal_legacy,
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ]


def _v11(dialect: str) -> list[str]:
    return [
        """CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        person TEXT NOT NULL,
        role TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
        "CREATE INDEX api_tokens_by_person ON api_tokens (person)",
    ]


def _v12(dialect: str) -> list[str]:
    return [
        """CREATE TABLE sms_subscriptions (
        phone TEXT PRIMARY KEY,
        components_json TEXT NOT NULL,
        code_hash TEXT,
        code_expires_at TEXT,
        code_attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        stopped_at TEXT
    )"""
    ]


def _v13(dialect: str) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        f"""CREATE TABLE replies (
        id {serial},
        incident_id TEXT,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        message_id TEXT NOT NULL,
        refs TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        answered_at TEXT,
        answered_by TEXT,
        answer TEXT,
        UNIQUE (message_id)
    )""",
        "CREATE INDEX replies_by_incident ON replies (incident_id, received_at)",
        """CREATE TABLE mail_suppressions (
        email TEXT PRIMARY KEY,
        soft_bounces INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        suppressed_at TEXT,
        last_at TEXT NOT NULL
    )""",
    ]


def _v14(dialect: str) -> list[str]:
    return [
        """CREATE TABLE component_status (
        component TEXT PRIMARY KEY,
        level TEXT NOT NULL,
        reason TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    )"""
    ]


def _v15(dialect: str) -> list[str]:
    return [
        """CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    )"""
    ]


def _v16(dialect: str) -> list[str]:
    return [
        "CREATE INDEX outbox_queued ON outbox (state, next_attempt_at)",
        "CREATE INDEX outbox_claimed ON outbox (draft_id, state, claimed_at)",
        "CREATE INDEX outbox_claimed_any ON outbox (state, claimed_at)",
    ]


def _v17(dialect: str) -> list[str]:
    return ["CREATE INDEX drafts_newest ON drafts (created_at, revision, id)"]


def _v18(dialect: str) -> list[str]:
    """One chain per incident (and one for the rest), each head kept in audit_heads so an append
    locks its own chain; entries written before are the "legacy" chain, anchored like the others."""
    seq = "BIGINT" if dialect == "postgresql" else "INTEGER"
    return [
        "ALTER TABLE audit_log ADD COLUMN chain TEXT",
        "CREATE INDEX audit_by_chain ON audit_log (chain, seq)",
        f"""CREATE TABLE audit_heads (
            chain TEXT PRIMARY KEY,
            seq {seq} NOT NULL,
            entry_hash TEXT NOT NULL,
            anchored_seq {seq} NOT NULL DEFAULT 0
        )""",
        "INSERT INTO audit_heads (chain, seq, entry_hash) SELECT 'legacy', seq, entry_hash FROM audit_log"
        " WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    ]


def _v19(dialect: str) -> list[Step]:
    """Maintenance drafts marked in a column, so `notify tick` reads them alone, not every draft ever
    written; the drafts already stored are marked from their records (only those that mention it)."""
    return [
        "ALTER TABLE drafts ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0",
        _mark_maintenance,
        "CREATE INDEX drafts_maintenance ON drafts (maintenance, incident_id)",
    ]


def _mark_maintenance(tx: Tx) -> None:
    import json

    candidates = tx.execute("SELECT id, record_json FROM drafts WHERE record_json LIKE ?", ("%maintenance%",))
    for row in candidates:
        if json.loads(row["record_json"]).get("severity") == "maintenance":
            tx.execute("UPDATE drafts SET maintenance = 1 WHERE id = ?", (row["id"],))


def _v20(dialect: str) -> list[str]:
    return ["CREATE INDEX drafts_published_marker ON drafts (state, decided_at)"]


MIGRATIONS: list[tuple[int, str, Callable[[str], list[str]] | Callable[[str], list[Step]]]] = [
    (1, "drafts and the audit log", _v1),
    (2, "the delivery outbox", _v2),
    (3, "links to Atlassian Statuspage incidents", _v3),
    (4, "webhook deliveries seen, so a retry makes no second revision", _v4),
    (5, "subscriptions people manage themselves", _v5),
    (6, "an incident's pending drafts found without reading every revision", _v6),
    (7, "waivers: a reviewer accepts a finding for one draft, with a reason", _v7),
    (8, "reviewer sessions ended by signing out", _v8),
    (9, "rate limits on what a stranger can trigger", _v9),
    (10, "the audit chain signed under a key kept outside the database", _v10),
    (11, "API tokens, each acting as one person in one role, kept hashed", _v11),
    (12, "people who follow updates by SMS, confirmed by a code sent to their phone", _v12),
    (13, "customers' replies, auto-replies, bounces and complaints, and addresses no longer mailed", _v13),
    (14, "a component's status set by hand, with the reason", _v14),
    (15, "people added on the admin page, each with a role", _v15),
    (16, "outbox claims that walk the rows of one state, not every row a draft had", _v16),
    (17, "the newest drafts listed from an index, not by sorting the whole history", _v17),
    (18, "an audit chain per incident, anchored in a chain of their heads, so writers do not queue on one lock", _v18),
    (19, "maintenance drafts found without reading every draft", _v19),
    (20, "what the public page depends on (how many published, and when last) read from an index", _v20),
]
