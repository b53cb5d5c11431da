"""Cold start: `notify render` and `notify check` beside bare `python -c pass` and `proselint check`.

Each command runs as a fresh process, interleaved, N times; the medians are compared in the same
run on the same machine. Targets: render adds at most 250 ms to bare interpreter start-up, and a
cold `notify check` of one message beats a cold `proselint check` of the same file.

    python bench/cli_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTIFY = [sys.executable, "-c", "from notify.cli.main import main; main()"]
MESSAGE = (
    "Investigating: between 10:40 and 13:05 UTC, customers using search were logged out repeatedly. "
    "The problem was caused by a CDN cache purge, as a result of a failure at our vendor Azure. "
    "We apologize for any inconvenience this may have caused. Our next update will be at 11:40 UTC.\n"
)


# As installed programs run: with their bytecode cached. pip writes it on install; a checkout
# gets it on the warm-up run, unless PYTHONDONTWRITEBYTECODE (set on some machines) forbids it,
# and then every run would compile notify's modules from source (~20 ms) but not proselint's.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False, env=ENVIRONMENT
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    message = Path(tempfile.mkdtemp()) / "update.txt"
    message.write_text(MESSAGE)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "notify render --channel all": [*NOTIFY, "render", "examples/identified.yaml", "--channel", "all"],
        "notify check (one message)": [*NOTIFY, "check", str(message)],
    }
    proselint = shutil.which("proselint")
    if proselint:
        commands["proselint check (same file)"] = [proselint, "check", str(message)]
    for command in commands.values():  # warm the page, template and bytecode caches once, unmeasured
        timed(command)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            samples[name].append(timed(command))
    median = {name: statistics.median(values) for name, values in samples.items()}
    fastest = {name: min(values) for name, values in samples.items()}
    print(f"{args.runs} cold runs each, interleaved; wall time (the minimum is the least disturbed run)\n")
    print(f"{'':30} {'median':>9} {'minimum':>9}   minimum over bare python")
    for name in samples:
        extra = (fastest[name] - fastest["python -c pass"]) * 1000
        print(f"{name:30} {median[name] * 1000:6.1f} ms {fastest[name] * 1000:6.1f} ms   +{extra:6.1f} ms")
    for label, table in (("median", median), ("minimum", fastest)):
        added = (table["notify render --channel all"] - table["python -c pass"]) * 1000
        line = f"\n{label}: render adds {added:.0f} ms to interpreter start-up (target: at most 250 ms)"
        if proselint:
            ratio = table["proselint check (same file)"] / table["notify check (one message)"]
            line += f"; cold check is {ratio:.2f}x the speed of proselint's (target: above 1)"
        print(line, end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
