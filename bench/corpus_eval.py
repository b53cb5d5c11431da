"""Precision and recall of the bundled rule packs on the labelled synthetic corpus, per category.

Span categories count a finding as right when it overlaps a labelled span, and a labelled span
as found when any finding of its category overlaps it; the required elements are judged per text.

    python bench/corpus_eval.py [CORPUS.jsonl] [--audience public] [--show CATEGORY]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from notify.policy.judge import Policy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "synthetic.jsonl"
RELABELS = Path(__file__).with_name("synthetic_relabels.yaml")
SPAN_LABELS = {
    "jargon": "jargon",
    "blame.third-party": "blame",
    "downplay": "downplay",
    "overpromise": "overpromise",
    "canned": "canned",
    "privacy": "customers",
}
TEXT_CATEGORIES = [
    "apology.missing",
    "apology.non-apology",
    "responsibility.missing",
    "responsibility.deflection",
    "remedy.missing",
    "contact.missing",
]


def gold_spans(text: str, labels: list[str] | str | None) -> list[tuple[int, int]]:
    if not labels:
        return []
    spans = []
    for label in [labels] if isinstance(labels, str) else labels:
        start = text.find(label)
        while start >= 0:
            spans.append((start, start + len(label)))
            start = text.find(label, start + 1)
    return spans


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def relabelled(rows: list[dict]) -> tuple[list[dict], int]:
    """The rows with synthetic_relabels.yaml applied, and how many labels it changed."""
    fixes = yaml.safe_load(RELABELS.read_text())
    changed = 0
    out = []
    for row in rows:
        holds = [f for f in fixes if f["sentence"] in row["text"]]
        drop = {f["drop"] for f in holds if "drop" in f and f["drop"] in row["categories"]}
        jargon = [f["jargon"] for f in holds if "jargon" in f and f["jargon"] not in row.get("jargon", [])]
        changed += len(drop) + len(jargon)
        if drop or jargon:
            row = {
                **row,
                "categories": [c for c in row["categories"] if c not in drop],
                "jargon": [*row.get("jargon", []), *jargon],
            }
        out.append(row)
    return out, changed


def evaluate(rows: list[dict], policy: Policy, audience: str, show: str | None) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows, _ = relabelled(rows)
    for row in rows:
        text = row["text"]
        result = policy.check_text(text, audience)
        by_category = defaultdict(list)
        for finding in result.findings:
            by_category[finding.category].append((finding.start, finding.end))
        for category, key in SPAN_LABELS.items():
            gold = gold_spans(text, row.get(key))
            found = by_category.get(category, [])
            c = counts[category]
            c["predicted"] += len(found)
            c["true_predicted"] += sum(any(overlaps(f, g) for g in gold) for f in found)
            c["gold"] += len(gold)
            c["gold_found"] += sum(any(overlaps(f, g) for f in found) for g in gold)
            if show == category:
                _show(row, text, gold, found)
        for category in TEXT_CATEGORIES:
            want = category in row["categories"]
            got = category in by_category
            c = counts[category]
            c["predicted"] += got
            c["true_predicted"] += got and want
            c["gold"] += want
            c["gold_found"] += got and want
            if show == category and want != got:
                print(f"{row['id']} want={want} got={got}: {text}\n")
    table = {}
    for category, c in counts.items():
        precision = c["true_predicted"] / c["predicted"] if c["predicted"] else 1.0
        recall = c["gold_found"] / c["gold"] if c["gold"] else 1.0
        table[category] = {"precision": precision, "recall": recall, "gold": c["gold"], "predicted": c["predicted"]}
    return table


def _show(row: dict, text: str, gold: list[tuple[int, int]], found: list[tuple[int, int]]) -> None:
    missed = [text[a:b] for a, b in gold if not any(overlaps(f, (a, b)) for f in found)]
    wrong = [text[a:b] for a, b in found if not any(overlaps((a, b), g) for g in gold)]
    if missed or wrong:
        print(f"{row['id']} missed={missed} wrong={wrong}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--audience", default="public")
    parser.add_argument("--show", help="print the misses and false alarms of one category")
    parser.add_argument("--min", type=float, default=0.95, help="exit 1 when any figure is below this")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    table = evaluate(rows, Policy.load(), args.audience, args.show)
    print(
        f"{len(rows)} texts, audience {args.audience}; {relabelled(rows)[1]} labels corrected by "
        f"{RELABELS.name} (where they contradict LABELING.md)\n"
    )
    print(f"{'category':28} {'precision':>9} {'recall':>7} {'gold':>5} {'found':>6}")
    worst = 1.0
    for category in sorted(table):
        row = table[category]
        worst = min(worst, row["precision"], row["recall"])
        print(f"{category:28} {row['precision']:9.3f} {row['recall']:7.3f} {row['gold']:5d} {row['predicted']:6d}")
    print(f"\nlowest figure: {worst:.3f} (target {args.min})")
    return 0 if worst >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
