"""Peak memory of `notify send` as the subscriber list grows tenfold: it should stay flat.

The list is read row by row and queued as it is read, and the sender claims 200 rows at a time,
so 100,000 recipients should cost about what 10,000 do (plus the set of addresses seen, to skip
duplicates: some tens of bytes an address). Each run sends to a fresh aiosmtpd sink that counts
what it received; a lost message stops the bench. The baseline is the same command with 1,000
recipients, measured in the same run.

    python bench/send_memory.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout_bench import notify_send, with_sink


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    peaks: dict[int, float] = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            measured: list[float] = []

            def send(port: int, size: int = size, tmp: Path = Path(tmp), measured: list[float] = measured) -> float:
                elapsed, peak = notify_send(port, size, args.concurrency, tmp)
                measured.append(peak)
                return elapsed

            elapsed = with_sink(0, size, send)  # raises unless the sink got exactly `size` messages
        peaks[size] = measured[0]
        print(f"{size:>8,} recipients   peak {measured[0]:6.1f} MB   {elapsed:6.1f} s   all {size:,} received")
    base = peaks[args.sizes[0]]
    for size in args.sizes[1:]:
        ratio = size / args.sizes[0]
        print(f"{size:>8,} vs {args.sizes[0]:,}: {peaks[size] / base:.2f}x the memory for {ratio:g}x the people")
    return 0


if __name__ == "__main__":
    sys.exit(main())
