"""The public page under load: what a `GET /` costs with a long history, served from the site cache,
beside the baseline of rendering the whole site for the request (what every GET did before), in
the same run, interleaved, at several history sizes. It checks its own work: every answer is 200
and names the newest incident, and the history pages list every published incident once.

    python bench/site_bench.py [--sizes 10 300 1000] [--requests 40]
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
from notify.record.draft import PUBLISHED
from notify.record.incident import Incident
from notify.record.sources import load_incident
from notify.render.site import render_site
from notify.review import sending
from notify.review.service import Review
from notify.store.database import open_store
from notify.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def publish(db: str, count: int) -> None:
    base = load_incident(str(ROOT / "examples" / "resolved.yaml")).model_dump(mode="json")
    now = datetime.now(UTC)
    with open_store(db) as store:
        review = Review(store)
        for n in range(count):
            start = now - timedelta(hours=6 * n + 1)
            record = {**base, "id": f"INC-{n:05d}", "title": f"Incident number {n}"}
            record.update(started_at=start.isoformat(), resolved_at=(start + timedelta(hours=1)).isoformat())
            draft = review.create(Incident.model_validate(record), "dana")
            review.approve(draft.id, "sam")
            sending.publish(review, draft.id, "sam", {})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 300, 1000])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print(f"{'incidents':>9}  {'baseline: render per request':>30}  {'served from the cache':>22}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "site.db")
            publish(db, size)
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
            baseline, cached = [], []
            for _ in range(args.requests):  # interleaved: one render, one GET
                t = time.perf_counter()
                files = render_site(published, now=utc_now(), title="Status", signup=True)
                baseline.append(time.perf_counter() - t)
                t = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    body = response.read().decode()
                    assert response.status == 200
                cached.append(time.perf_counter() - t)
                assert "Incident number 0" in body, "the newest incident is missing"
            listed = set()
            for name, html in files.items():
                if name.startswith("history"):
                    listed |= set(re.findall(r"incidents/(INC-\d+)\.html", html))
            assert len(listed) == size, f"history lists {len(listed)} of {size}"
            server.should_exit = True
            thread.join(10)
        print(
            f"{size:>9}  {statistics.median(baseline) * 1000:>27.1f} ms  {statistics.median(cached) * 1000:>19.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
