"""The public page under load: what a `GET /` costs with a long history, served from the site cache,
beside the baseline of rendering the whole site for the request (what every GET did before), in
the same run, interleaved, at several history sizes. The clock is moved a minute before every
tenth request: that request renders the new minute (the slowest is shown as "new minute"; readers
who come meanwhile get the last minute's page); the other requests are the served figures. "After
publishing" is the first request after the history was published, which reads all of it and renders.
It checks its own work: every answer is 200 and names the newest incident, the page is
re-rendered for the new minutes, and the history lists every incident once. Halfway through, one
incident more is published ("a publication": the next request reads it and renders the site), and
the page must show it.

    python bench/site_bench.py [--sizes 10 1000 10000] [--requests 60]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from notify.clock import utc_now
from notify.record.draft import PUBLISHED, Draft
from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.render.site import render_site
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store
from notify.web import public
from notify.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def publish(db: str, count: int) -> None:
    """One incident published through notify, then copied in SQL to `count` (six hours apart, each
    its own id, title and times), which is what a long history looks like to the page."""
    import json
    import sqlite3

    base = load_incident(str(ROOT / "examples" / "resolved.yaml")).model_dump(mode="json")
    now = datetime.now(UTC)

    def record(n: int) -> dict[str, object]:
        start = now - timedelta(hours=6 * n + 1)
        return {**base, "id": f"INC-{n:05d}", "title": f"Incident number {n}", "started_at": start.isoformat(),
                "resolved_at": (start + timedelta(hours=1)).isoformat()}  # fmt: skip

    def ended(n: int) -> str:
        return (now - timedelta(hours=6 * n)).isoformat()

    draft = publish_through_notify(db, Incident.model_validate(record(0)))
    with sqlite3.connect(db) as conn:
        columns = "state, verdict, author, messages_json, report_json, content_hash, approved_hash, " \
                  "decided_by, decision_note, maintenance"  # fmt: skip
        conn.executemany(  # each drafted and published when its incident ended, as a real history is
            f"INSERT INTO drafts (id, incident_id, revision, record_json, created_at, decided_at, {columns}) "
            f"SELECT ?, ?, 1, ?, ?, ?, {columns} FROM drafts WHERE id = ?",
            (
                (f"INC-{n:05d}-r1", f"INC-{n:05d}", json.dumps(record(n)), ended(n), ended(n), draft.id)
                for n in range(1, count)
            ),
        )
        assert conn.execute("SELECT COUNT(*) FROM drafts WHERE state = ?", (PUBLISHED,)).fetchone()[0] == count


def publish_through_notify(db: str, record: Incident) -> Draft:
    """Drafted, approved by a second person and published, as a team does it."""
    with open_store(db) as store:
        review = Review(store)
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
        return sending.publish(review, draft.id, "sam", {})


def publish_one_more(db: str, count: int) -> None:
    """An incident published through notify while the page is served: the newest one."""
    start = datetime.now(UTC) - timedelta(minutes=30)
    record = load_incident(str(ROOT / "examples" / "resolved.yaml")).model_copy(
        update={
            "id": f"INC-{count:05d}",
            "title": f"Incident number {count}",
            "started_at": start,
            "resolved_at": start + timedelta(minutes=20),
        }
    )
    publish_through_notify(db, record)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--baseline", type=int, default=5, help="whole-site renders timed at each size")
    args = parser.parse_args()
    print(
        f"{'incidents':>9}  {'baseline: render per request':>30}  {'served: median':>15}  {'p99':>8}"
        f"  {'new minute':>11}  {'after publishing':>17}  {'a publication':>14}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "site.db")
            publish(db, size)
            moved = [utc_now()]
            public.utc_now = lambda moved=moved: moved[0]  # the page's clock, moved a minute every tenth request
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(create_app(None, db), host="127.0.0.1", port=port, log_level="error")
            )
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            with open_store(db) as store:
                published = Review(store).listing(state=PUBLISHED)
            baseline, cached, minute_turned, minutes_seen = [], [], [], set()
            for n in range(args.requests):  # interleaved: a whole-site render now and then, a GET each time
                if n % (args.requests // args.baseline) == 0:
                    t = time.perf_counter()
                    files = dict(render_site(published, now=utc_now(), title="Status", signup=True))  # every file
                    baseline.append(time.perf_counter() - t)
                if n % 10 == 9:
                    moved[0] += timedelta(minutes=1)
                if n == args.requests // 2 + 5:
                    publish_one_more(db, size)
                t = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    body = response.read().decode()
                    assert response.status == 200
                took = time.perf_counter() - t
                if n == 0:
                    first = took  # the first request after the history was published: read and render
                elif n == args.requests // 2 + 5:
                    assert f"Incident number {size}" in body, "the incident published meanwhile is missing"
                    one_more = took
                else:
                    (minute_turned if n % 10 == 9 else cached).append(took)
                assert "Incident number 0" in body, "the newest incident is missing"
                minutes_seen |= set(re.findall(r"Updated [^.]*UTC", body))
            listed = set()
            for name, html in files.items():
                if name.startswith("history"):
                    listed |= set(re.findall(r"incidents/(INC-\d+)\.html", html))
            assert len(listed) == size, f"history lists {len(listed)} of {size}"  # the baseline's own render
            assert len(minutes_seen) > 1, "the page was never re-rendered for a new minute"
            server.should_exit = True
            thread.join(10)
        cached.sort()
        print(
            f"{size:>9}  {statistics.median(baseline) * 1000:>27.1f} ms  {statistics.median(cached) * 1000:>12.1f} ms"
            f"  {cached[int(len(cached) * 0.99)] * 1000:>5.1f} ms  {max(minute_turned) * 1000:>8.1f} ms"
            f"  {first * 1000:>14.1f} ms  {one_more * 1000:>11.1f} ms   ({len(minutes_seen)} minutes rendered)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
