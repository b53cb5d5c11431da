"""Signed PagerDuty deliveries against `notify serve` on 127.0.0.1, with SQLite and with PostgreSQL,
beside the same server's /health as the baseline. Uses wrk (Debian's package) when present.

Each delivery is verified, mapped, checked by the policy layer, rendered to every channel and
stored as a new revision (a new X-Webhook-Id per request: a flapping alert, the worst case).
Target: at least 300 signed deliveries per second with p99 under 100 ms on this 2-core machine.

    python bench/webhook_load.py [--seconds 30] [--connections 16] [--postgres URL]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "webhooks" / "pagerduty" / "zulip_fixture_triggered_v3.json"
SECRET = "bench-secret"
LUA = """
counter = 0
request = function()
  counter = counter + 1
  wrk.headers["X-Webhook-Id"] = "bench-" .. counter .. "-" .. math.random(1, 1000000000)
  return wrk.format("POST", "/hooks/pagerduty", nil, wrk.body)
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: str, tmp: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = tmp / "notify.toml"
    config.write_text(f'[service]\ncontact = {{name = "Dana Reyes", email = "dana@example.com"}}\n'
                      f'[secrets]\npagerduty = "{SECRET}"\n')
    env = {**os.environ, "NOTIFY_HOME": str(tmp / "home")}
    server = subprocess.Popen([sys.executable, "-c", "from notify.cli import main; main()", "--config", str(config),
                               "serve", "--port", str(port), "--db", db, "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return server, port
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the server did not start")


def wrk(url: str, seconds: int, connections: int, script: Path | None, body: bytes | None,
        headers: dict[str, str]) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
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
    return {"rps": rps, "p50": percentile("50"), "p99": percentile("99"),
            "errors": float(non2xx.group(1)) if non2xx else 0.0}


def run(label: str, db: str, tmp: Path, args: argparse.Namespace) -> None:
    body = SAMPLE.read_bytes()
    signature = "v1=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    script = tmp / "deliveries.lua"
    script.write_text(LUA.replace("wrk.body", "wrk.body"))
    server, port = start(db, tmp, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        health = wrk(base + "/health", args.seconds, args.connections, None, None, {})
        body_file = tmp / "body.json"
        body_file.write_bytes(body)
        script.write_text(f'wrk.method = "POST"\nwrk.body = io.open("{body_file}", "rb"):read("*a")\n'
                          f'wrk.headers["Content-Type"] = "application/json"\n'
                          f'wrk.headers["X-PagerDuty-Signature"] = "{signature}"\n' + LUA)
        hooks = wrk(base + "/hooks/pagerduty", args.seconds, args.connections, script, body, {})
    finally:
        server.terminate()
        server.wait(30)
    print(f"\n{label}")
    print(f"  /health (baseline)        {health['rps']:8.0f} req/s   p50 {health['p50']:6.1f} ms   p99 "
          f"{health['p99']:6.1f} ms")
    print(f"  signed PagerDuty hook     {hooks['rps']:8.0f} req/s   p50 {hooks['p50']:6.1f} ms   p99 "
          f"{hooks['p99']:6.1f} ms   non-2xx {hooks['errors']:.0f}")
    print(f"  hook / health: {hooks['rps'] / health['rps']:.2f} (target: 300 deliveries/s, p99 under 100 ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("NOTIFY_TEST_POSTGRES_URL"))
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn --workers)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    print(f"wrk, {args.connections} connections, {args.seconds} s per run, {args.workers} server process(es) "
          "on 127.0.0.1")
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", str(Path(tmp) / "load.db"), Path(tmp), args)
    if args.postgres:
        import psycopg

        schema = f"notify_load_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            joiner = "&" if "?" in args.postgres else "?"
            with tempfile.TemporaryDirectory() as tmp:
                run("PostgreSQL", f"{args.postgres}{joiner}options=-csearch_path%3D{schema}", Path(tmp), args)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
