"""Drafts kept: insert, read, list and move between states (notify/record/draft.py), each inside
the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

from notify.record.draft import PENDING, PUBLISHED, SUPERSEDED, Draft
from notify.store.database import Tx


def serialised(draft: Draft) -> tuple[str, str, str]:
    """The record, messages and report as stored; worth making before a transaction takes its locks."""
    return _dump(draft.record), _dump(draft.messages), _dump(draft.report)


def insert(tx: Tx, draft: Draft, stored: tuple[str, str, str] | None = None) -> None:
    record, messages, report = stored or serialised(draft)
    tx.execute(
        "INSERT INTO drafts (id, incident_id, revision, state, verdict, author, created_at, record_json,"
        " messages_json, report_json, content_hash, maintenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            draft.id,
            draft.incident_id,
            draft.revision,
            draft.state,
            draft.verdict,
            draft.author,
            draft.created_at,
            record,
            messages,
            report,
            draft.content_hash,
            1 if draft.record.get("severity") == "maintenance" else 0,
        ),
    )


def maintenance(tx: Tx) -> list[Draft]:
    """Every maintenance draft not superseded: what `notify tick` moves along, read without the rest."""
    rows = tx.execute("SELECT * FROM drafts WHERE maintenance = 1 AND state <> ?", (SUPERSEDED,))
    return [_draft(row) for row in rows]


def components_named(tx: Tx, dialect: str, state: str | None = None) -> set[str]:
    """Every component the drafts' records name (those in `state`, or all), picked out of the
    stored JSON by the database: a page that lists a few names must not decode every draft."""
    where, params = (" AND state = ?", (state,)) if state else ("", ())
    if dialect == "postgresql":
        sql = (
            "SELECT DISTINCT jsonb_array_elements_text(record_json::jsonb -> 'components') AS name FROM drafts"
            f" WHERE jsonb_typeof(record_json::jsonb -> 'components') = 'array'{where}"
        )
    else:
        sql = (
            "SELECT DISTINCT j.value AS name FROM drafts, json_each(drafts.record_json, '$.components') AS j"
            f" WHERE json_type(drafts.record_json, '$.components') = 'array'{where}"
        )
    return {str(row["name"]) for row in tx.execute(sql, params)}


def next_revision(tx: Tx, incident_id: str) -> int:
    rows = tx.execute("SELECT MAX(revision) AS top FROM drafts WHERE incident_id = ?", (incident_id,))
    return int(rows[0]["top"] or 0) + 1


def get(tx: Tx, draft_id_: str) -> Draft | None:
    rows = tx.execute("SELECT * FROM drafts WHERE id = ?", (draft_id_,))
    return _draft(rows[0]) if rows else None


def previous(tx: Tx, draft: Draft) -> Draft | None:
    rows = tx.execute(
        "SELECT * FROM drafts WHERE incident_id = ? AND revision < ? ORDER BY revision DESC LIMIT 1",
        (draft.incident_id, draft.revision),
    )
    return _draft(rows[0]) if rows else None


def _where(state: str | None, incident_id: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its values) for drafts in a state, of an incident, or both."""
    where, params = [], []
    if state:
        where.append("state = ?")
        params.append(state)
    if incident_id:
        where.append("incident_id = ?")
        params.append(incident_id)
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


def published(tx: Tx, since: str | None = None) -> list[Draft]:
    """The published drafts as the public page reads them: records and messages, without the
    review reports (findings are for reviewers; decoding them was a third of reading a long history).
    With `since`, only those published at or after that moment: what a page that holds the rest lacks."""
    columns = f"{SUMMARY_COLUMNS}, record_json, messages_json"
    clause, params = ("", (PUBLISHED,)) if since is None else (" AND decided_at >= ?", (PUBLISHED, since))
    rows = tx.execute(
        f"SELECT {columns} FROM drafts WHERE state = ?{clause} ORDER BY created_at DESC, revision DESC", params
    )
    return [
        _from_columns(row, record=json.loads(row.pop("record_json")), messages=json.loads(row.pop("messages_json")))
        for row in rows
    ]


def listing(tx: Tx, state: str | None = None, incident_id: str | None = None) -> list[Draft]:
    clause, params = _where(state, incident_id)
    rows = tx.execute(f"SELECT * FROM drafts{clause} ORDER BY created_at DESC, revision DESC", params)
    return [_draft(row) for row in rows]


MAX_PAGE = 1_000  # drafts a page over the API: a bigger page is a bigger answer, not a cheaper list
SUMMARY_COLUMNS = (
    "id, incident_id, revision, state, verdict, author, created_at, content_hash, approved_hash, decided_by,"
    " decided_at, decision_note"
)


def summaries(
    tx: Tx,
    state: str | None = None,
    incident_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
    with_record: bool = False,
) -> tuple[list[Draft], int]:
    """A page of drafts, newest first, read from the columns alone (their content is not loaded:
    messages and report are empty, and the record too unless `with_record`, which decodes only the
    page's own records), and how many there are in all."""
    clause, params = _where(state, incident_id)
    total = int(tx.execute(f"SELECT COUNT(*) AS n FROM drafts{clause}", params)[0]["n"])
    columns = SUMMARY_COLUMNS + (", record_json" if with_record else "")
    rows = tx.execute(
        f"SELECT {columns} FROM drafts{clause} ORDER BY created_at DESC, revision DESC, id DESC"
        " LIMIT ? OFFSET ?",  # a total order: pages neither repeat nor skip drafts made in the same second
        [*params, limit, offset],
    )
    return [_from_columns(row, record=json.loads(row.pop("record_json")) if with_record else {}) for row in rows], total


def _from_columns(row: dict[str, Any], **content: dict[str, Any]) -> Draft:
    """A draft from the summary columns, with only the content given (the rest left empty, unread)."""
    return Draft(**{**row, "revision": int(row["revision"]), "record": {}, "messages": {}, "report": {}, **content})


def published_marker(tx: Tx) -> tuple[int, str | None]:
    """How many drafts are published and when the last was: what the public page depends on, read
    from the columns alone."""
    rows = tx.execute("SELECT COUNT(*) AS n, MAX(decided_at) AS last FROM drafts WHERE state = ?", (PUBLISHED,))
    return int(rows[0]["n"]), rows[0]["last"]


def supersede_pending(tx: Tx, incident_id: str, *, at: str, by_draft: str) -> list[str]:
    """Move an incident's pending drafts to superseded, in one statement; their ids."""
    return sorted(
        r["id"]
        for r in tx.execute(
            "UPDATE drafts SET state = ?, decided_at = ?, decision_note = ? WHERE incident_id = ? AND state = ?"
            " RETURNING id",
            (SUPERSEDED, at, f"superseded by {by_draft}", incident_id, PENDING),
        )
    )


def transition(
    tx: Tx,
    draft_id_: str,
    *,
    from_state: str,
    to_state: str,
    by: str | None = None,
    at: str | None = None,
    note: str | None = None,
    approved_hash: str | None = None,
) -> bool:
    """Move a draft only if it is still in from_state; False when someone else moved it first."""
    tx.execute(
        "UPDATE drafts SET state = ?, decided_by = COALESCE(?, decided_by), decided_at = COALESCE(?, decided_at),"
        " decision_note = COALESCE(?, decision_note), approved_hash = COALESCE(?, approved_hash)"
        " WHERE id = ? AND state = ?",
        (to_state, by, at, note, approved_hash, draft_id_, from_state),
    )
    return tx.rowcount() == 1


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _draft(row: dict[str, Any]) -> Draft:
    return Draft(
        id=row["id"],
        incident_id=row["incident_id"],
        revision=int(row["revision"]),
        state=row["state"],
        verdict=row["verdict"],
        author=row["author"],
        created_at=row["created_at"],
        record=json.loads(row["record_json"]),
        messages=json.loads(row["messages_json"]),
        report=json.loads(row["report_json"]),
        content_hash=row["content_hash"],
        approved_hash=row["approved_hash"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_note=row["decision_note"],
    )


def latest_record(tx: Tx, incident_id: str) -> dict[str, Any] | None:
    """The newest revision's record, read without loading every revision's messages."""
    rows = tx.execute(
        "SELECT record_json FROM drafts WHERE incident_id = ? ORDER BY revision DESC LIMIT 1", (incident_id,)
    )
    return json.loads(rows[0]["record_json"]) if rows else None
