"""The audit log as one chain per incident, anchored in a chain of heads: writers of different
incidents do not wait for each other, and `notify audit --verify` still finds a cut, an edit or a
moved entry, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store import audit
from notify.store.database import open_store

from .conftest import EXAMPLES

GOOD = load_incident(str(EXAMPLES / "identified.yaml"))
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def behind_notify(store, *statements: str) -> None:
    """What someone with write access to the database can do behind notify's back."""
    with store.transaction() as tx:
        if store.dialect == "sqlite":
            tx.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
            tx.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            tx.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        for statement in statements:
            tx.execute(statement)


@pytest.fixture
def review(store_location: str):
    store = open_store(store_location)
    yield Review(store)
    store.close()


def two_incidents(review: Review) -> tuple[str, str]:
    first = review.create(GOOD, "dana")
    review.approve(first.id, "sam")
    second = review.create(GOOD.model_copy(update={"id": "INC-2000"}), "dana")
    return first.incident_id, second.incident_id


def test_each_incident_has_its_own_chain_and_an_anchor_holds_their_heads(review: Review):
    first, second = two_incidents(review)
    entries = review.audit()
    assert {e.incident_id for e in entries} == {first, second}
    assert [e.prev_hash == audit.GENESIS for e in entries] == [True, False, True]  # two chains, two starts
    assert audit.anchor(review.store, NOW) == 2
    assert audit.anchor(review.store, NOW) == 0  # nothing grew: nothing written
    newest = review.audit()[-1]
    assert newest.action == "anchor" and set(newest.detail["heads"]) == {f"incident:{first}", f"incident:{second}"}
    assert review.verify() == []


def test_a_chain_cut_back_behind_its_anchor_is_found(review: Review):
    first, _ = two_incidents(review)
    audit.anchor(review.store, NOW)
    cut = max(e.seq for e in review.audit(first))  # the approval: not the newest entry of the log
    behind_notify(review.store, f"DELETE FROM audit_log WHERE seq = {cut}")
    assert review.verify() == [
        f"entry {cut + 2}: anchors entry {cut} of incident:{first}, which is gone or changed (the chain was cut back)"
    ]


def test_an_entry_moved_to_another_incident_or_edited_is_found(review: Review):
    first, second = two_incidents(review)
    moved = min(e.seq for e in review.audit(first))
    behind_notify(review.store, f"UPDATE audit_log SET chain = 'incident:{second}' WHERE seq = {moved}")
    problems = review.verify()
    assert f"entry {moved}: is filed in another chain than its incident's (it was moved)" in problems
    assert any("does not follow the entry before it" in p for p in problems)


def test_writers_of_different_incidents_do_not_wait_for_each_other(postgres_location: str):
    """One transaction holds its incident's chain; another incident's entry is written meanwhile,
    and a third writer of the first incident waits for it and then chains after it."""
    stores = [open_store(postgres_location) for _ in range(3)]
    holding, release = threading.Event(), threading.Event()
    done: dict[str, bool] = {}

    def hold_first() -> None:
        with stores[0].transaction() as tx:
            audit.append(tx, at=NOW, actor="dana", action="draft", incident_id="INC-A")
            holding.set()
            release.wait(30)

    def write(name: str, store, incident: str) -> None:
        with store.transaction() as tx:
            audit.append(tx, at=NOW, actor="sam", action="approve", incident_id=incident)
        done[name] = True

    holder = threading.Thread(target=hold_first)
    holder.start()
    assert holding.wait(30)
    other = threading.Thread(target=write, args=("other", stores[1], "INC-B"))
    same = threading.Thread(target=write, args=("same", stores[2], "INC-A"))
    other.start()
    same.start()
    other.join(30)
    assert done == {"other": True}  # written while INC-A's chain is held; INC-A's second writer waits
    release.set()
    holder.join(30)
    same.join(30)
    assert done == {"other": True, "same": True}
    review = Review(stores[0])
    a_chain = review.audit("INC-A")
    assert [e.actor for e in a_chain] == ["dana", "sam"] and a_chain[1].prev_hash == a_chain[0].entry_hash
    assert review.verify() == []
    for store in stores:
        store.close()


def test_a_log_written_before_chains_is_the_legacy_chain_and_is_anchored(tmp_path):
    db = str(tmp_path / "notify.db")
    store = open_store(db)
    behind_notify(  # the store as the previous version left it: no chain column, no heads
        store,
        "DROP INDEX audit_by_chain",
        "ALTER TABLE audit_log DROP COLUMN chain",
        "DROP TABLE audit_heads",
        "DELETE FROM schema_migrations WHERE version = 18",
    )
    key, prev = audit._key(), audit.GENESIS
    for n, incident in enumerate(["INC-1", "INC-2", "INC-1"]):  # one chain through every incident
        fields = (f"2026-11-0{n + 1}T00:00:00+00:00", "sam", "approve", "ok", incident, f"{incident}-r1", "{}")
        digest = audit.keyed_hash(key, prev, *fields)
        store._connection.execute(
            "INSERT INTO audit_log (at, actor, action, outcome, incident_id, draft_id, detail_json, prev_hash,"
            " entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev, digest),
        )
        prev = digest
    store.close()
    with open_store(db) as upgraded:
        review = Review(upgraded)
        assert review.verify() == []
        with upgraded.transaction() as tx:
            audit.append(tx, at=NOW, actor="dana", action="draft", incident_id="INC-1")
        assert review.audit()[-1].prev_hash == audit.GENESIS  # INC-1's own chain starts here
        assert audit.anchor(upgraded, NOW) == 2
        assert set(review.audit()[-1].detail["heads"]) == {"legacy", "incident:INC-1"}
        assert review.verify() == []
        behind_notify(upgraded, "DELETE FROM audit_log WHERE seq = 3")  # the legacy chain's newest entry
        assert review.verify() == [
            "entry 5: anchors entry 3 of legacy, which is gone or changed (the chain was cut back)"
        ]
