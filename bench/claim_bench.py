"""What one outbox claim costs as a send goes on: the rows a claim reads should be the rows it takes,
not every row the draft ever had. Times `outbox.claim` for a batch of 200 when 10 % or 90 % of a
draft's rows are already sent, beside the baseline of the single OR'd query claims used before
(same rows, same store, interleaved). Checks each claim took 200 rows.

    python bench/claim_bench.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notify.record.sources import load_incident
from notify.review.service import Review
from notify.store import outbox
from notify.store.database import open_store

ROOT = Path(__file__).resolve().parent.parent
OLD_PICK = (
    "SELECT id FROM outbox WHERE ((state = ? AND next_attempt_at <= ?) OR (state = ? AND claimed_at < ?))"
    " AND channel IN (?) AND draft_id = ? ORDER BY id LIMIT ?"
)


def old_claim(store, draft_id: str, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    """The claim as it was: one OR'd pick ordered by id, then the same update and read as now."""
    due = now.isoformat()
    with store.transaction() as tx:
        ids = [r["id"] for r in tx.execute(OLD_PICK, (outbox.QUEUED, due, outbox.SENDING, due, "email", draft_id, 200))]
        marks = ",".join("?" * len(ids))
        tx.execute(f"UPDATE outbox SET state = ?, claimed_by = ?, claimed_at = ? WHERE id IN ({marks})",
                   [outbox.SENDING, "bench:0", due, *ids])  # fmt: skip
        tx.execute(f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id", ids)
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    print(f"{args.rows:,} outbox rows for one draft; a claim of 200 (median of 15)")
    print(f"{'sent already':>13}  {'before: one OR query':>21}  {'now: two index walks':>21}")
    for sent_share in (0.1, 0.9):
        with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "claim.db")) as store:
            review = Review(store)
            draft = review.create(load_incident(str(ROOT / "examples" / "identified.yaml")), "dana")
            rows = [
                {"draft_id": draft.id, "channel": "email", "recipient": f"user{i}@example.net", "audience": "public",
                 "unsubscribe_token": "t", "message_id": f"<{i}@x>"}
                for i in range(args.rows)
            ]  # fmt: skip
            with store.transaction() as tx:
                outbox.enqueue(tx, rows, now)
                tx.execute("UPDATE outbox SET state = ? WHERE id <= ?", (outbox.SENT, int(args.rows * sent_share)))
            old, new = [], []
            for _ in range(15):  # interleaved; each claim released again so every round sees the same rows
                start = time.perf_counter()
                with store.read() as tx:
                    picked = tx.execute(
                        OLD_PICK,
                        (outbox.QUEUED, now.isoformat(), outbox.SENDING, now.isoformat(), "email", draft.id, 200),
                    )
                old.append(time.perf_counter() - start)
                assert len(picked) == 200
                start = time.perf_counter()
                claimed = outbox.claim(store, draft.id, "bench:1", 200, now, timedelta(minutes=5))
                new.append(time.perf_counter() - start)
                assert len(claimed) == 200, f"claimed {len(claimed)}"
                outbox.release(store, [r.id for r in claimed])
        print(
            f"{sent_share:>12.0%}  {statistics.median(old) * 1000:>18.2f} ms  {statistics.median(new) * 1000:>18.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
