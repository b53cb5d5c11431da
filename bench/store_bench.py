"""Drafts created and approved per second on SQLite and on PostgreSQL, side by side.

Drafting includes the policy check and rendering of every channel (the real work of `notify draft`).
Each draft's text is its own (a different time, region and figure), since the compiled checks and
the Markdown converter cache what they have seen; the same text drafted again, the figure caches
flatter, is printed beside it as the baseline. The bench counts what was stored and checks the
audit chain. PostgreSQL runs when NOTIFY_TEST_POSTGRES_URL (or --postgres URL) points at a server;
each run uses a schema of its own.

    python bench/store_bench.py [--drafts 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from notify.policy.judge import Policy
from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.render.messages import Renderer
from notify.review.service import Review
from notify.store.database import open_store

ROOT = Path(__file__).resolve().parent.parent


REGIONS = ("Europe", "Asia", "North America", "South America", "Africa", "Oceania", "the Middle East")


def distinct(incident: Incident, i: int) -> Incident:
    """The example with words of its own: no cache has seen this text."""
    region, minute, share = REGIONS[i % len(REGIONS)], i % 60, 5 + i % 90
    return incident.model_copy(
        update={
            "id": f"BENCH-{i}",
            "impact": f"Since {9 + i % 12}:{minute:02d} UTC about {share}% of customers in {region} could not "
            f"open invoice number {1000 + i}.",
            "apology": f"We are sorry that {share}% of you in {region} could not open your invoices.",
        }
    )


def run(location: str, count: int, policy: Policy, renderer: Renderer) -> dict[str, float]:
    incident = load_incident(str(ROOT / "examples" / "identified.yaml"))
    with open_store(location) as store:
        review = Review(store, policy=policy, renderer=renderer)
        fresh, same, ids = 0.0, 0.0, []
        for i in range(count):  # interleaved: a distinct text, then the same text again
            start = time.perf_counter()
            ids.append(review.create(distinct(incident, i), "dana").id)
            fresh += time.perf_counter() - start
            start = time.perf_counter()
            ids.append(review.create(incident.model_copy(update={"id": f"SAME-{i}"}), "dana").id)
            same += time.perf_counter() - start
        start = time.perf_counter()
        for draft_id in ids:
            review.approve(draft_id, "sam")
        approved = time.perf_counter() - start
        stored = len(review.listing(state="approved"))
        if stored != 2 * count:
            raise SystemExit(f"stored {stored} approved drafts, expected {2 * count}")
        intact = not review.verify()
    return {"drafted": count / fresh, "same": count / same, "approved": 2 * count / approved, "intact": float(intact)}


def postgres_location(url: str) -> tuple[str, str]:
    import psycopg

    schema = f"notify_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}", schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("NOTIFY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    policy, renderer = Policy.load(), Renderer()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite (WAL file)"] = run(str(Path(tmp) / "bench.db"), args.drafts, policy, renderer)
    if args.postgres:
        import psycopg

        location, schema = postgres_location(args.postgres)
        try:
            results["PostgreSQL"] = run(location, args.drafts, policy, renderer)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    else:
        print("PostgreSQL skipped: set NOTIFY_TEST_POSTGRES_URL or pass --postgres URL")
    print(f"{args.drafts} drafts of distinct texts and {args.drafts} of one text, each checked, rendered to every")
    print("channel, stored, then approved\n")
    print(f"{'store':20} {'drafted/s':>10} {'same text/s':>12} {'approved/s':>11}  audit chain")
    for name, row in results.items():
        state = "intact" if row["intact"] else "BROKEN"
        print(f"{name:20} {row['drafted']:10.1f} {row['same']:12.1f} {row['approved']:11.1f}  {state}")
    if len(results) == 2:
        sqlite, postgres = results.values()
        print(
            f"\nPostgreSQL / SQLite: drafting {postgres['drafted'] / sqlite['drafted']:.2f}x, "
            f"approving {postgres['approved'] / sqlite['approved']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
