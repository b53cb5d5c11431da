"""Throughput of the full bundled policy against proselint on the same texts, scaling, and memory.

Prints, in one run: median and p95 time per message and messages per second for notify and for
proselint (the baseline) checking the corpus in alternating passes, their ratio (and the ratio
when they alternate message by message, for comparison); the same on the real updates of
shared/corpus/real-dev.jsonl, and the time per word of one text as it grows 16-fold (linear: flat);
the time per message as a user pack grows by 2,000 and
20,000 phrases, against the bundled pack alone; and peak memory of the checking process.
Targets: at least 10x proselint's throughput, at most 2x the base time at 20,000 extra phrases,
peak memory under 60 MB.

    python bench/policy_bench.py [CORPUS.jsonl] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from notify.policy import grammar
from notify.policy.judge import Policy
from notify.policy.matching.sentences import sentence_spans

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "synthetic.jsonl"
REAL_CORPUS = ROOT.parent / "shared" / "corpus" / "real-dev.jsonl"


def per_message(checks: list[Callable[[str], object]], texts: list[str], rounds: int) -> list[list[float]]:
    """Each checker over the whole corpus in turn, round after round, timing every message.

    This is how a corpus is checked (one checker, message after message), and alternating the
    passes spreads machine noise over all checkers alike.
    """
    timings: list[list[float]] = [[] for _ in checks]
    for check in checks:  # warm-up: caches, first-call costs
        for text in texts:
            check(text)
    for _ in range(rounds):
        for index, check in enumerate(checks):
            for text in texts:
                start = time.perf_counter()
                check(text)
                timings[index].append(time.perf_counter() - start)
    return timings


def interleaved(checks: list[Callable[[str], object]], texts: list[str], rounds: int) -> list[list[float]]:
    """Each checker on each message in turn: every call starts with caches the other one filled."""
    timings: list[list[float]] = [[] for _ in checks]
    for _ in range(rounds):
        for text in texts:
            for index, check in enumerate(checks):
                start = time.perf_counter()
                check(text)
                timings[index].append(time.perf_counter() - start)
    return timings


def describe(name: str, timings: list[float]) -> dict[str, float]:
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    rate = len(timings) / sum(timings)
    print(f"{name:34} median {median * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms   {rate:9.0f} msg/s")
    return {"median": median, "p95": p95, "rate": rate}


def proselint_checker() -> Callable[[str], object] | None:
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return None
    CheckRegistry().register_many(__register__)
    return lambda text: LintFile("<bench>", text).lint()


def user_pack(directory: Path, size: int) -> Path:
    """A pack of `size` made-up product terms and vendor names, as a large organisation might have."""
    rng = random.Random(size)
    syllables = ["ka", "ro", "ti", "lum", "zen", "vor", "pex", "qua", "bri", "dos", "mek", "fyn"]
    words = {"".join(rng.choice(syllables) for _ in range(4)) + f"-{i}" for i in range(size)}
    folder = directory / f"pack-{size}"
    folder.mkdir()
    half = sorted(words)
    glossary = "\n".join(f"      {w} cluster: reporting system" for w in half[: size // 2])
    vendors = ", ".join(half[size // 2 :])
    (folder / "ours.yaml").write_text(f"""
lists:
  vendors: [{vendors}]
rules:
  - id: ours-terms
    category: jargon
    severity: warning
    action: replace
    audiences: [public, customers]
    message: Our internal code names mean nothing to customers.
    glossary:
{glossary}
    examples: {{bad: [x], good: [y]}}
""")
    return folder


def linear(policy: Policy, updates: list[str]) -> None:
    """Time per word as one text grows 1x, 4x and 16x (each copy numbered, so no cache sees it twice)."""
    print()
    for copies in (1, 4, 16):
        text = "\n\n".join(f"{update} ({copies}.{i})" for i in range(copies) for update in updates)
        words = len(text.split())
        start = time.perf_counter()
        findings = len(policy.check_text(text, "public").findings)
        took = time.perf_counter() - start
        print(
            f"one text of {words:>7,} words   {took:6.2f} s   {took / words * 1e6:5.1f} us a word   {findings} findings"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--real", default=str(REAL_CORPUS), help="real updates, checked the same way after the corpus")
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    print(f"{len(texts)} messages x {args.rounds} rounds, audience public\n")

    policy = Policy.load()

    def checker(p: Policy) -> Callable[[str], object]:
        def check(text: str) -> object:
            sentence_spans.cache_clear()  # no help from another checker having split the same text
            grammar.forget()  # nor from a grammar check of the same sentences in an earlier round
            return p.check_text(text, "public")

        return check

    ours = checker(policy)
    lint = proselint_checker()
    if lint is not None:
        mine, theirs = per_message([ours, lint], texts, args.rounds)
        base = describe("notify (bundled packs)", mine)
        other = describe("proselint (baseline)", theirs)
        print(f"{'':34} notify throughput is {base['rate'] / other['rate']:.1f}x proselint's (target 10x)")
        mine, theirs = interleaved([ours, lint], texts, 1)
        cold, baseline = (len(t) / sum(t) for t in (mine, theirs))
        print(
            f"{'':34} ({cold / baseline:.1f}x when the two alternate message by message and each call "
            f"finds the CPU caches full of the other's data: {statistics.median(mine) * 1e3:.3f} vs "
            f"{statistics.median(theirs) * 1e3:.3f} ms)"
        )
        real = Path(args.real)
        if real.exists():
            updates = [json.loads(line)["text"] for line in real.read_text().splitlines() if line.strip()]
            print(f"\n{len(updates)} real updates ({real.name}) x {args.rounds} rounds")
            mine, theirs = per_message([ours, lint], updates, args.rounds)
            on_real = describe("notify on real updates", mine)
            print(
                f"{'':34} notify throughput is "
                f"{on_real['rate'] / describe('proselint on real updates', theirs)['rate']:.1f}x proselint's "
                "(target 10x)"
            )
            linear(policy, updates)
    else:
        base = describe("notify (bundled packs)", per_message([ours], texts, args.rounds)[0])
        print("proselint is not installed: pip install proselint for the baseline")

    print()
    with tempfile.TemporaryDirectory() as tmp:
        grown = {}
        for size in (2_000, 20_000):
            start = time.perf_counter()
            grown[size] = Policy.load([user_pack(Path(tmp), size)])
            print(f"pack with {size:,} extra phrases built in {time.perf_counter() - start:.2f} s")
        checks = [ours] + [checker(p) for p in grown.values()]
        timings = per_message(checks, texts, args.rounds)
        again = describe("notify (bundled packs)", timings[0])
        for size, result in zip(grown, timings[1:], strict=True):
            row = describe(f"notify + {size:,} user phrases", result)
            print(f"{'':34} {row['median'] / again['median']:.2f}x the base time per message (target at most 2x)")
    print(
        f"\npeak memory checking the corpus with the bundled packs: {notify_peak_mb(args.corpus):.0f} MB "
        "(target under 60 MB)"
    )
    return 0


def notify_peak_mb(corpus: str) -> float:
    """Peak resident memory of a separate process that only loads the policy and checks the corpus."""
    code = (
        "import json, sys\n"
        "from notify.policy.judge import Policy\n"
        "p = Policy.load()\n"
        "for line in open(sys.argv[1]):\n"
        "    p.check_text(json.loads(line)['text'], 'public')\n"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )  # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the parent it was forked from
    out = subprocess.run([sys.executable, "-c", code, corpus], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


if __name__ == "__main__":
    sys.exit(main())
