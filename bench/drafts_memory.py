"""`notify drafts` as the history grows a hundredfold: time and peak memory should stay flat.

The store is filled with copies of one real draft (content and all, each under its own incident
id and time), so listing them would have to decode every draft's content if it read any. The
baseline is the same command on 1,000 drafts, measured in the same run. Each run checks its own
work: the page printed holds `--limit` drafts, newest first, and the total it reports is the
number stored.

    python bench/drafts_memory.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout_bench import PEAK, ROOT


def filled_store(db: str, count: int, env: dict[str, str]) -> None:
    """One draft made by notify today, then copied in SQL to `count` (dated in January, a minute apart)."""
    cli = [sys.executable, "-c", "from notify.cli.main import main; main()"]
    subprocess.run([*cli, "draft", str(ROOT / "examples" / "identified.yaml"), "--as", "dana", "--db", db],
                   env=env, capture_output=True, check=True)  # fmt: skip
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute(
            """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO drafts (id, incident_id, revision, state, verdict, author, created_at, record_json,
                messages_json, report_json, content_hash, approved_hash, decided_by, decided_at, decision_note)
            SELECT 'INC-B' || i || '-r1', 'INC-B' || i, 1, state, verdict, author,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || i || ' minutes'),
                record_json, messages_json, report_json, content_hash, approved_hash, decided_by, decided_at,
                decision_note
            FROM drafts, n WHERE drafts.id = 'INC-1042-r1'""",
            (count - 1,),
        )
        stored = conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0]
    assert stored == count, f"stored {stored} drafts, wanted {count}"


def list_page(db: str, env: dict[str, str], limit: int) -> tuple[float, float, list[str], int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, "drafts", "--db", db, "--limit", str(limit)],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    took = time.perf_counter() - start
    *shown, peak = done.stderr.strip().splitlines()
    total = int(re.search(r"of (\d+) shown", " ".join(shown)).group(1)) if shown else limit  # type: ignore[union-attr]
    ids = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    return took, int(peak) / 1024, ids, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    figures = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "NOTIFY_HOME": str(Path(tmp) / "home")}
            db = str(Path(tmp) / "drafts.db")
            filled_store(db, size, env)
            took, peak, ids, total = list_page(db, env, args.limit)
        newest = ["INC-1042-r1"] + [f"INC-B{size - 1 - i}-r1" for i in range(args.limit - 1)]  # the original is today
        if ids != newest or total != size:
            raise SystemExit(f"at {size}: listed {ids[:3]}… of {total}, wanted {newest[:3]}… of {size}")
        figures[size] = (took, peak)
        print(f"{size:>8,} drafts   notify drafts {took * 1e3:6.0f} ms   peak {peak:6.1f} MB   "
              f"{len(ids)} newest shown of {total:,}")  # fmt: skip
    base_time, base_peak = figures[args.sizes[0]]
    for size in args.sizes[1:]:
        took, peak = figures[size]
        print(f"{size:>8,} vs {args.sizes[0]:,}: {took / base_time:.2f}x the time, {peak / base_peak:.2f}x the memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
