"""Rewrites judged by a grammar checker nobody here wrote: Harper with its full default rule set.

Runs the policy over shared/corpus/real-dev.jsonl and the bundled examples (public and customers
audiences), and prints how many rewrites were applied, how many notify refused because they would
have read badly (shown to the reviewer as suggestions instead), how many applied rewrites add a
lint Harper's full rule set finds that the sentence as written did not have (the target is 0), and
the share of jargon findings fixed rather than only flagged. `--show` prints the applied rewrites.

    python bench/rewrite_eval.py [--corpus FILE] [--show N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import harper

from notify.policy.judge import Policy
from notify.policy.org import Org
from notify.record.sources import load_incident

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real-dev.jsonl"


def full_linter() -> harper.Linter:
    return harper.Linter(harper.Dialect.BRITISH)  # every default rule on: a stricter judge than notify's own


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--show", type=int, default=0, help="print this many applied rewrites, chosen at random")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    policy = Policy.load()
    results = []
    for line in Path(args.corpus).read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            org = Org(row["company"]) if row.get("company") else None  # as its own team would run it
            results += [policy.check_text(row["text"], a, org=org) for a in ("public", "customers")]
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        incident = load_incident(str(example))
        results += [policy.check_incident(incident, a) for a in ("public", "customers")]
    linter = full_linter()

    def kinds(sentence: str) -> Counter[str]:
        return Counter(lint.lint_kind for lint in linter.lint(sentence))

    applied = [r for result in results for r in result.rewrites if r.after and r.after != r.before]
    dropped = sum(1 for result in results for r in result.rewrites if not r.after)
    worse = [r for r in applied if kinds(r.after) - kinds(r.before)]
    refused = {
        f.suggestion for result in results for f in result.findings if f.suggestion and "not applied" in f.suggestion
    }
    reasons = Counter(
        reason.split(" (")[0]
        for suggestion in refused
        for reason in suggestion.rsplit("not applied: it has ", 1)[1].rstrip(")").split(", ")
    )
    jargon = [f for result in results for f in result.findings if f.category == "jargon"]
    fixed = sum(f.fixed for f in jargon)
    print(f"{len(results)} checks ({len(results) // 2} texts and records x public, customers)")
    print(f"rewrites applied (a sentence reworded)      {len(applied):5}")
    print(f"sentences dropped (vendor blame, promises)  {dropped:5}")
    print(f"rewrites refused (would have read badly)    {len(refused):5}")
    for reason, count in reasons.most_common():
        print(f"  refused for {reason:<70} {count:3}")
    print(f"applied rewrites that add a Harper lint     {len(worse):5}   (target 0)")
    print(f"jargon findings fixed, not only flagged     {fixed:5}/{len(jargon)} = {fixed / max(len(jargon), 1):.2f}")
    for r in worse[:10]:
        print(f"  adds {sorted(kinds(r.after) - kinds(r.before))}: {r.before!r} -> {r.after!r}")
    if args.show:
        for r in random.Random(args.seed).sample(applied, min(args.show, len(applied))):
            print(f"\n- {r.before}\n+ {r.after}   [{', '.join(r.rules)}]")


if __name__ == "__main__":
    main()
