"""Email fan-out: N recipients to a local aiosmtpd sink, three ways, in one run.

(a) `notify send` (the real command: outbox, claims, retries, progress bookkeeping);
(b) a bare aiosmtplib loop at the same concurrency sending pre-built messages (the practical limit);
(c) a plain sequential smtplib loop, what people script by hand.
Targets: (a) at least 0.7x (b) and at least 5x (c); peak memory of (a) under 150 MB.

    python bench/fanout_bench.py [--recipients 10000] [--concurrency 8] [--rounds 2]

The three run in interleaved rounds (medians shown), each against a fresh sink that counts what it
received; a sender that lost a message stops the bench.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
DELAY = float(sys.argv[2]) / 1000
class Sink:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        if DELAY:
            await asyncio.sleep(DELAY)  # a server some milliseconds away, or a slow one
        Sink.received += len(envelope.rcpt_tos)
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
print(Sink.received, flush=True)
"""
PEAK = (
    "import atexit, sys\n"
    "atexit.register(lambda: print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0],"
    " file=sys.stderr))\n"
    "from notify.cli.main import main\nmain()\n"
)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prebuilt(count: int) -> list[tuple[str, bytes]]:
    """Messages serialised before any clock starts: the baselines time only the SMTP conversation."""
    messages = []
    body = (ROOT / "README.md").read_text()[:1500]
    for i in range(count):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "status@example.com", f"user{i}@example.net", "[Identified] Sign-in failures"
        m.set_content(body, cte="quoted-printable")
        m.add_alternative(f"<p>{body}</p>", subtype="html", cte="quoted-printable")
        messages.append((f"user{i}@example.net", m.as_bytes(policy=SMTP)))
    return messages


async def bare_aiosmtplib(port: int, messages: list[tuple[str, bytes]], concurrency: int) -> None:
    import aiosmtplib

    queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
    for item in messages:
        queue.put_nowait(item)
    for _ in range(concurrency):
        queue.put_nowait(None)

    async def worker() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await smtp.connect()
        while (item := await queue.get()) is not None:
            await smtp.sendmail("status@example.com", [item[0]], item[1])
        await smtp.quit()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def sequential_smtplib(port: int, messages: list[tuple[str, bytes]]) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:  # one connection, one message after another
        for recipient, data in messages:
            smtp.sendmail("status@example.com", [recipient], data)


def notify_send(port: int, count: int, concurrency: int, tmp: Path) -> tuple[float, float]:
    env = {**os.environ, "NOTIFY_HOME": str(tmp / "home")}
    db = str(tmp / "bench.db")
    cli = [sys.executable, "-c", "from notify.cli.main import main; main()"]
    draft = subprocess.run(
        [*cli, "draft", str(ROOT / "examples" / "identified.yaml"), "--as", "dana", "--db", db],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([*cli, "approve", draft, "--as", "sam", "--db", db], env=env, capture_output=True, check=True)
    subscribers = tmp / "subscribers.csv"
    subscribers.write_text("email\n" + "".join(f"user{i}@example.net\n" for i in range(count)))
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK,
            "send",
            draft,
            "--db",
            db,
            "--smtp",
            f"smtp://127.0.0.1:{port}?starttls=0",
            "--subscribers",
            str(subscribers),
            "--from",
            "Status <status@example.com>",
            "--unsubscribe-url",
            "https://status.example.com/unsubscribe",
            "--page-url",
            "https://status.example.com/",
            "--concurrency",
            str(concurrency),
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb / 1024


def with_sink(latency_ms: float, expected: int, work: Callable[[int], float]) -> float:
    """Run one sender against a fresh sink; its time, after checking the sink got every message."""
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port), str(latency_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
    try:
        elapsed = work(port)
    finally:
        out, _ = sink.communicate(b"", timeout=30)
    received = int(out.split()[-1])
    if received != expected:
        raise SystemExit(f"the sink received {received} messages, expected {expected}")
    return elapsed


def scenario(recipients: int, concurrency: int, sequential: int, latency_ms: float, rounds: int) -> dict[str, float]:
    """The three senders in turn, `rounds` times (interleaved, so the machine's noise falls on each
    alike); the median of each."""
    messages = prebuilt(recipients)
    times: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    peaks: list[float] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:

            def send(port: int, tmp: Path = Path(tmp)) -> float:
                elapsed, peak = notify_send(port, recipients, concurrency, tmp)
                peaks.append(peak)
                return elapsed

            times["a"].append(with_sink(latency_ms, recipients, send))

        def bare(port: int) -> float:
            start = time.perf_counter()
            asyncio.run(bare_aiosmtplib(port, messages, concurrency))
            return time.perf_counter() - start

        def plain(port: int) -> float:
            start = time.perf_counter()
            sequential_smtplib(port, messages[:sequential])
            return time.perf_counter() - start

        times["b"].append(with_sink(latency_ms, recipients, bare))
        times["c"].append(with_sink(latency_ms, sequential, plain))
    a, b, c = (statistics.median(times[k]) for k in "abc")
    return {"a": recipients / a, "b": recipients / b, "c": sequential / c, "peak": max(peaks), "a_time": a}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sequential", type=int, default=2_000, help="how many the smtplib loop sends")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the three senders")
    parser.add_argument(
        "--latency",
        type=float,
        nargs="*",
        default=[0.0, 5.0],
        help="sink delay per message in ms; 0 is a sink on this machine, 5 a server nearby",
    )
    args = parser.parse_args()
    print(f"{args.recipients:,} recipients, concurrency {args.concurrency}, aiosmtpd sink in its own process")
    for latency in args.latency:
        r = scenario(args.recipients, args.concurrency, args.sequential, latency, args.rounds)
        print(f"\nsink answering after {latency:g} ms")
        print(
            f"(a) notify send (outbox, claims, retries)    {r['a']:8.0f} msg/s   ({r['a_time']:.1f} s, start-up "
            "included)"
        )
        print(f"(b) bare aiosmtplib loop, pre-built messages {r['b']:8.0f} msg/s")
        print(f"(c) sequential smtplib loop ({args.sequential:,} msgs)      {r['c']:8.0f} msg/s")
        print(
            f"(a)/(b) = {r['a'] / r['b']:.2f} (target at least 0.7); (a)/(c) = {r['a'] / r['c']:.1f} "
            f"(target at least 5); peak memory of (a) {r['peak']:.0f} MB (target under 150 MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
