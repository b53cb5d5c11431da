"""The policy layer on real incident updates: shared/corpus/score_real.py's measures, in process.

Runs each text of real-dev.jsonl through `Policy.check_text` for the public audience with the
text's own company as the organisation (as `notify check -` does with `[org] name` set), and scores
the findings with score_real.py's own `score`, so the figures are the scorer's. `--split` prints the
measures on two halves of the corpus split by company, so a gain learnt from one company's phrasing
shows up as a gap between the halves.

    python bench/real_eval.py [--corpus FILE] [--split] [--show MEASURE] [--no-org]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from notify.policy.judge import Policy
from notify.policy.org import Org

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "corpus" / "score_real.py"


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_real", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load the scorer at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def half(company: str) -> str:
    """A stable split by company: every text of one company falls in the same half."""
    return "A" if hashlib.sha256(company.encode()).digest()[0] % 2 == 0 else "B"


def table(scorer: ModuleType, rows: list[dict], results: list[list[dict]]) -> tuple[list[str], dict]:
    counts, _ = scorer.score(rows, results)
    lines = []
    for name, (op, floor) in scorer.FLOORS.items():
        hit, total, _ = counts[name]
        rate = hit / total if total else float("nan")
        ok = total > 0 and (rate >= floor if op == ">=" else rate <= floor)
        lines.append(f"{name:24} {hit:4}/{total:<4} = {rate:.2f}   floor {op} {floor}{'' if ok else '   SHORT'}")
    return lines, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(SCORER.parent / "real-dev.jsonl"))
    ap.add_argument("--scorer", default=str(SCORER))
    ap.add_argument("--split", action="store_true", help="also score the two halves split by company")
    ap.add_argument("--show", metavar="MEASURE", help="print the texts behind this measure's misses")
    ap.add_argument("--no-org", action="store_true", help="check without naming each text's company")
    args = ap.parse_args()
    scorer = load_scorer(Path(args.scorer))
    rows = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    policy = Policy.load()
    results = []
    for row in rows:
        org = None if args.no_org or not row.get("company") else Org(row["company"])
        findings = policy.check_text(row["text"], "public", org=org).findings
        results.append([f.as_dict() for f in findings])
    lines, counts = table(scorer, rows, results)
    if args.split:
        halves = {
            h: [(r, f) for r, f in zip(rows, results, strict=True) if half(r.get("company", "")) == h] for h in "AB"
        }
        columns = {h: table(scorer, [r for r, _ in pairs], [f for _, f in pairs])[0] for h, pairs in halves.items()}
        for whole, a, b in zip(lines, columns["A"], columns["B"], strict=True):
            print(f"{whole:68}  A {a[25:41]}  B {b[25:41]}")
        print(f"texts: {len(rows)} (A {len(halves['A'])}, B {len(halves['B'])})")
    else:
        print("\n".join(lines))
    short = sum("SHORT" in line for line in lines)
    print(f"{len(lines) - short}/{len(lines)} measures at their floor on {len(rows)} real updates")
    if args.show:
        bad_is_hit = scorer.FLOORS[args.show][0] == "<="
        by_id = {r["id"]: (r, f) for r, f in zip(rows, results, strict=True)}
        for rid, hit in counts[args.show][2]:
            if hit == bad_is_hit:
                row, found = by_id[rid]
                print(f"\n== {rid}\n{row['text']}\n{json.dumps(row['labels'])}")
                for f in found:
                    print(f"   -> {f['category']} [{f['rule']}] {f['text'][:90]!r}")


if __name__ == "__main__":
    main()
