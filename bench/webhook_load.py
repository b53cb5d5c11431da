"""Signed PagerDuty deliveries against `notify serve` on 127.0.0.1, with SQLite and with PostgreSQL,
beside the same server's /health as the baseline. Uses wrk (Debian's package) when present.

Two runs. The same signed delivery re-sent (a tool retrying, or a replay): each is verified and
answered as a duplicate, since deliveries are told apart by the event id their signature covers.
And up to 20,000 distinct deliveries (each its own event id and incident, signed ahead of the run,
since wrk cannot sign): each verified, mapped, checked by the policy layer, rendered to every
channel and stored as a new revision; the bench counts the revisions stored afterwards.
Target: at least 300 signed deliveries per second with p99 under 100 ms on this 2-core machine.

    python bench/webhook_load.py [--seconds 30] [--connections 16] [--workers N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "webhooks" / "pagerduty" / "zulip_fixture_triggered_v3.json"
SECRET = "bench-secret"
WRK_THREADS = 2
DISTINCT = 20_000  # distinct deliveries, more than a run sends at the target rate: no text seen twice
LUA = """
threads = 0
setup = function(thread)  -- each wrk thread has its own Lua state: give each its own stride
  thread:set("id", threads)
  threads = threads + 1
end
counter = 0
request = function()
  counter = counter + 1
  local i = ((counter - 1) * THREADS + id) % #bodies + 1
  wrk.headers["X-PagerDuty-Signature"] = signatures[i]
  return wrk.format("POST", "/hooks/pagerduty", nil, bodies[i])
end
"""


def deliveries(count: int) -> list[bytes]:
    """The sample once (re-sent: duplicates), or `count` deliveries of different incidents, each
    with its own signed event id and a fresh occurred_at."""
    sample = json.loads(SAMPLE.read_bytes())
    sample["event"]["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if count == 1:
        return [json.dumps(sample).encode()]
    out = []
    for i in range(count):
        payload = json.loads(json.dumps(sample))
        payload["event"]["id"] = f"bench-{i}"
        data = payload["event"]["data"]
        data["id"] = f"PBENCH{i}"
        data["title"] = f"Disk full on db-{i} (volume /var/lib/postgresql at 100%)"
        data["service"]["summary"] = f"billing-{i}"
        out.append(json.dumps(payload, separators=(",", ":")).encode())
    return out


def script_for(bodies: list[bytes], path: Path) -> Path:
    """A wrk script that cycles through pre-signed bodies (Lua long strings hold the JSON as is)."""
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"', "bodies, signatures = {}, {}"]
    for i, body in enumerate(bodies, 1):
        signature = "v1=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        lines.append(f'bodies[{i}] = [==[{body.decode()}]==]\nsignatures[{i}] = "{signature}"')
    path.write_text("\n".join(lines) + LUA.replace("THREADS", str(WRK_THREADS)))
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: str, tmp: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = tmp / "notify.toml"
    config.write_text(
        f'[service]\ncontact = {{name = "Dana Reyes", email = "dana@example.com"}}\n[secrets]\npagerduty = "{SECRET}"\n'
    )
    env = {**os.environ, "NOTIFY_HOME": str(tmp / "home")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from notify.cli.main import main; main()",
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            "--db",
            db,
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return server, port
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the server did not start")


def wrk(
    url: str, seconds: int, connections: int, script: Path | None, body: bytes | None, headers: dict[str, str]
) -> dict[str, float]:
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    if script:
        args += ["-s", str(script)]
    env = dict(os.environ)
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "requests": float(total.group(1)) if total else float("nan"),
        "rps": rps,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def run(label: str, db: str, tmp: Path, args: argparse.Namespace) -> None:
    server, port = start(db, tmp, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        health = wrk(base + "/health", args.seconds, args.connections, None, None, {})
        same = wrk(
            base + "/hooks/pagerduty",
            args.seconds,
            args.connections,
            script_for(deliveries(1), tmp / "same.lua"),
            None,
            {},
        )
        varied = wrk(
            base + "/hooks/pagerduty",
            args.seconds,
            args.connections,
            script_for(deliveries(DISTINCT), tmp / "varied.lua"),
            None,
            {},
        )
    finally:
        server.terminate()
        server.wait(30)
    from notify.store.database import open_store

    with open_store(db) as store, store.read() as tx:  # the bench checks its own work
        stored = tx.execute("SELECT COUNT(*) AS n FROM drafts WHERE incident_id LIKE ?", ("PD-PBENCH%",))[0]["n"]
    print(f"\n{label}")
    for name, row in (
        ("/health (baseline)", health),
        ("hook, one delivery re-sent", same),
        ("hook, distinct deliveries", varied),
    ):
        errors = f"   non-2xx {row['errors']:.0f}" if row is not health else ""
        print(f"  {name:30} {row['rps']:7.0f} req/s   p50 {row['p50']:6.1f} ms   p99 {row['p99']:6.1f} ms{errors}")
    sent = min(varied["requests"], DISTINCT)
    ok = sent <= stored <= sent + args.connections  # wrk does not count the requests in flight at its end
    print(
        f"  stored {stored:,} revisions for {varied['requests']:,.0f} distinct deliveries counted by wrk"
        f" ({'as expected' if ok else 'NOT as expected'}: up to {args.connections} more were in flight at the end)"
    )
    for name, row in (("re-sent", same), ("distinct", varied)):
        verdict = "met" if row["rps"] >= 300 and row["p99"] < 100 and not row["errors"] else "NOT met"
        print(f"  {name}: {row['rps'] / health['rps']:.2f} of /health; target 300/s with p99 under 100 ms: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("NOTIFY_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes (notify serve --workers; default: one per core)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    print(
        f"wrk, {args.connections} connections, {args.seconds} s per run, {args.workers} server process(es) on 127.0.0.1"
    )
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", str(Path(tmp) / "load.db"), Path(tmp), args)
    if args.postgres:
        with fresh_schema(args.postgres, "notify_load") as url, tempfile.TemporaryDirectory() as tmp:
            run("PostgreSQL", url, Path(tmp), args)
    return 0


@contextlib.contextmanager
def fresh_schema(postgres: str, prefix: str) -> Iterator[str]:
    """A URL for a schema of its own on the server, dropped afterwards with all the bench wrote."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in postgres else "?"
    try:
        yield f"{postgres}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    sys.exit(main())
