"""Drafts created and approved per second on SQLite and on PostgreSQL, side by side.

Drafting includes the policy check and rendering of every channel (the real work of `notify draft`);
a second figure stores pre-rendered drafts to show the store's own share. PostgreSQL runs when
NOTIFY_TEST_POSTGRES_URL (or --postgres URL) points at a server; each run uses a schema of its own.

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
from notify.record.sources import load_incident
from notify.render.messages import Renderer
from notify.review.service import Review
from notify.store.database import open_store

ROOT = Path(__file__).resolve().parent.parent


def run(location: str, count: int, policy: Policy, renderer: Renderer) -> dict[str, float]:
    incident = load_incident(str(ROOT / "examples" / "identified.yaml"))
    with open_store(location) as store:
        review = Review(store, policy=policy, renderer=renderer)
        start = time.perf_counter()
        ids = [review.create(incident.model_copy(update={"id": f"BENCH-{i}"}), "dana").id for i in range(count)]
        drafted = time.perf_counter() - start
        start = time.perf_counter()
        for draft_id in ids:
            review.approve(draft_id, "sam")
        approved = time.perf_counter() - start
        intact = not review.verify()
    return {"drafted": count / drafted, "approved": count / approved, "intact": float(intact)}


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
    print(f"{args.drafts} drafts, each checked, rendered to every channel, stored, then approved\n")
    print(f"{'store':20} {'drafted/s':>10} {'approved/s':>11}  audit chain")
    for name, row in results.items():
        print(f"{name:20} {row['drafted']:10.1f} {row['approved']:11.1f}  {'intact' if row['intact'] else 'BROKEN'}")
    if len(results) == 2:
        sqlite, postgres = results.values()
        print(
            f"\nPostgreSQL / SQLite: drafting {postgres['drafted'] / sqlite['drafted']:.2f}x, "
            f"approving {postgres['approved'] / sqlite['approved']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
