"""Growing past one process: two `notify serve` processes and up to four `notify send --worker`
processes sharing one PostgreSQL store, as several hosts behind a load balancer would.

(1) Webhooks: distinct signed PagerDuty deliveries (wrk, as in webhook_load.py) to one service
process, then to two at once (each its own half of the deliveries, as a round-robin balancer would
send them); the bench counts the revisions stored. (2) Email: one outbox of N queued messages
drained by 1, 2 and 4 worker processes at once (each claims rows with FOR UPDATE SKIP LOCKED)
into an aiosmtpd sink that answers after 5 ms, as a relay nearby would; the sink counts what it
received, and any message lost or sent twice stops the bench. One worker is the baseline.

    python bench/scale_out.py --postgres URL [--recipients 6000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout_bench import with_sink
from webhook_load import deliveries, fresh_schema, script_for, start, wrk

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16


def stored_revisions(url: str) -> int:
    """Revisions stored, once the requests still in flight when wrk stopped have landed."""
    from notify.store.database import open_store

    count = -1
    with open_store(url) as store:
        while True:
            with store.read() as tx:
                rows = tx.execute("SELECT COUNT(*) AS n FROM drafts WHERE incident_id LIKE ?", ("PD-PBENCH%",))
            now = int(rows[0]["n"])
            if now == count:
                return count
            count = now
            time.sleep(1.0)


def webhooks(url: str, tmp: Path, seconds: int) -> None:
    bodies = deliveries(40_000)
    halves = [bodies[:20_000], bodies[20_000:]]
    for name in ("a", "b"):
        (tmp / name).mkdir()
    services = [start(url, tmp / name, 1) for name in ("a", "b")]
    try:
        print("\nwebhooks, distinct signed deliveries, one PostgreSQL store")
        before = stored_revisions(url)
        alone = wrk(f"http://127.0.0.1:{services[0][1]}/hooks/pagerduty", seconds, CONNECTIONS,
                    script_for(halves[0][:10_000], tmp / "alone.lua"), None, {})  # fmt: skip
        stored = stored_revisions(url) - before
        if not alone["requests"] <= stored <= alone["requests"] + CONNECTIONS:
            raise SystemExit(f"stored {stored} revisions for {alone['requests']:.0f} deliveries")
        print(f"  1 service process    {alone['rps']:6.0f} deliveries/s   p99 {alone['p99']:6.1f} ms   "
              f"stored {stored:,} for {alone['requests']:,.0f} sent")  # fmt: skip
        before = stored_revisions(url)
        scripts = [script_for(half[10_000:], tmp / f"both-{i}.lua") for i, half in enumerate(halves)]
        with ThreadPoolExecutor(2) as pool:
            both = list(pool.map(
                lambda i: wrk(f"http://127.0.0.1:{services[i][1]}/hooks/pagerduty", seconds, CONNECTIONS // 2,
                              scripts[i], None, {}), range(2)))  # fmt: skip
        stored = stored_revisions(url) - before
        sent = sum(r["requests"] for r in both)
        rate = sum(r["rps"] for r in both)
        print(f"  2 service processes  {rate:6.0f} deliveries/s   p99 {max(r['p99'] for r in both):6.1f} ms   "
              f"stored {stored:,} for {sent:,.0f} sent   ({rate / alone['rps']:.2f}x one process)")  # fmt: skip
        if not sent <= stored <= sent + CONNECTIONS:  # wrk leaves up to one request a connection uncounted
            raise SystemExit(f"stored {stored} revisions for {sent:.0f} deliveries")
    finally:
        for server, _ in services:
            server.terminate()
            server.wait(30)


def queue(url: str, incident: str, count: int) -> str:
    """An approved draft with `count` queued messages, written through notify's own code."""
    from notify.delivery import dispatch
    from notify.record.sources import load_incident
    from notify.record.subscribers import Subscriber
    from notify.resources import secret_key
    from notify.review import sending
    from notify.review.service import Review
    from notify.store.database import open_store

    with open_store(url) as store:
        review = Review(store)
        record = load_incident(str(ROOT / "examples" / "identified.yaml")).model_copy(update={"id": incident})
        draft = review.create(record, "dana")
        review.approve(draft.id, "sam")
        people = (Subscriber(f"user{i}@{incident.lower()}.example.net") for i in range(count))
        sending.enqueue(review, dispatch.plan(review.get(draft.id), people, secret_key(), "example.com"), "ops")
        return draft.id


def sent_rows(url: str, draft_id: str) -> int:
    from notify.store import outbox
    from notify.store.database import open_store

    with open_store(url) as store:
        return outbox.counts(store, draft_id)[outbox.SENT]


def drain(url: str, port: int, workers: int, env: dict[str, str]) -> float:
    command = [sys.executable, "-c", "from notify.cli.main import main; main()", "send", "--worker", "--db", url,
               "--smtp", f"smtp://127.0.0.1:{port}?starttls=0", "--from", "Status <status@example.com>",
               "--unsubscribe-url", "https://status.example.com/unsubscribe",
               "--page-url", "https://status.example.com/", "--concurrency", "8", "--format", "json"]  # fmt: skip
    start_at = time.perf_counter()
    running = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(workers)]  # fmt: skip
    for process in running:
        _, err = process.communicate(timeout=600)
        if process.returncode:
            raise SystemExit(f"a worker failed: {err.decode()[-500:]}")
    return time.perf_counter() - start_at


def email(url: str, tmp: Path, recipients: int) -> None:
    os.environ["NOTIFY_HOME"] = str(tmp / "home")  # the workers check approvals under the key the queue used
    env = dict(os.environ)
    print(f"\nemail, {recipients:,} queued messages, sink answering after 5 ms, each worker 8 connections")
    base = 0.0
    for workers in (1, 2, 4):
        draft_id = queue(url, f"INC-SCALE-{workers}", recipients)
        took = with_sink(5.0, recipients, lambda port, w=workers: drain(url, port, w, env))  # counts what arrived
        sent = sent_rows(url, draft_id)
        if sent != recipients:  # with the sink's count: each row sent, none twice
            raise SystemExit(f"the outbox marks {sent} of {recipients} rows sent")
        rate = recipients / took
        base = base or rate
        print(f"  {workers} worker process(es)  {rate:6.0f} msg/s   ({took:.1f} s, start-up included)   "
              f"{rate / base:.2f}x one worker   sink got {recipients:,}, outbox {sent:,} sent")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("NOTIFY_TEST_POSTGRES_URL"))
    parser.add_argument("--recipients", type=int, default=6_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit("pass --postgres URL (or set NOTIFY_TEST_POSTGRES_URL): the processes share one PostgreSQL")

    with fresh_schema(args.postgres, "notify_scale") as url, tempfile.TemporaryDirectory() as tmp:
        print(f"{os.cpu_count()} cores; PostgreSQL on this machine too")
        webhooks(url, Path(tmp), args.seconds)
        email(url, Path(tmp), args.recipients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
