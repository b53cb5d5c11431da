"""Save what the product says about a fixed set of inputs, to prove a refactor changed nothing.

Dumps, as one JSON document: `Policy.check_text` on every real and synthetic text and
`Policy.check_incident` on every bundled example, for each audience; and the CLI's own output of
`notify check` and `notify render` (text, JSON, HTML, --draft) on every example; and every example
drafted by the review service (messages, report, content hash). Run it before and
after a change and compare the two files byte for byte:

    python bench/results_snapshot.py > /tmp/before.json   # on the old code
    python bench/results_snapshot.py > /tmp/after.json    # on the new code
    cmp /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from notify.cli.main import main as cli
from notify.policy.judge import Policy
from notify.record.sources import load_incident

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
AUDIENCES = ("public", "customers", "internal")


def texts() -> list[str]:
    found = []
    for name in ("real-dev.jsonl", "synthetic.jsonl"):
        path = CORPUS / name
        if path.exists():
            found += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return found


def canonical(output: str) -> str:
    """JSON output with its keys sorted: the order of a set of audiences is not part of the contract."""
    try:
        return json.dumps(json.loads(output), indent=1, sort_keys=True)
    except ValueError:
        return output


def cli_outputs(examples: list[Path]) -> dict[str, str]:
    runner = CliRunner()
    runs = {}
    for example in examples:
        for args in (
            ["check", str(example)],
            ["check", str(example), "--format", "json"],
            ["render", str(example)],
            ["render", str(example), "--format", "json"],
            ["render", str(example), "--format", "html"],
            ["render", str(example), "--draft"],
        ):
            result = runner.invoke(cli, args)
            name = " ".join(args[:1] + args[2:] + [example.name])
            runs[name] = f"exit {result.exit_code}\n{canonical(result.output)}"
    return runs


def drafts(examples: list[Path]) -> dict[str, object]:
    """Each example drafted as the review service stores it: messages, report, verdict, hash."""
    import tempfile
    from datetime import UTC, datetime

    from notify.review.service import Review
    from notify.store.database import open_store

    with tempfile.TemporaryDirectory() as where:
        store = open_store(str(Path(where) / "snapshot.db"))
        review = Review(store, clock=lambda: datetime(2026, 11, 23, 12, tzinfo=UTC))
        stored = {}
        for example in examples:
            draft = review.create(load_incident(str(example)), "snapshot")
            stored[example.name] = {
                "verdict": draft.verdict,
                "messages": draft.messages,
                "report": draft.report,
                "content_hash": draft.content_hash,
            }
        store.close()
    return stored


def main() -> None:
    os.chdir(ROOT)  # examples named by relative path: the output does not depend on where the checkout is
    policy = Policy.load()
    examples = sorted(Path("examples").glob("*.yaml"))
    snapshot = {
        "texts": [[policy.check_text(t, audience).as_dict() for audience in AUDIENCES] for t in texts()],
        "examples": {
            e.name: [policy.check_incident(load_incident(str(e)), a).as_dict() for a in AUDIENCES] for e in examples
        },
        "cli": cli_outputs(examples),
        "drafts": drafts(examples),
    }
    json.dump(snapshot, sys.stdout, indent=1, sort_keys=True, default=str)
    print(f"{len(snapshot['texts'])} texts, {len(examples)} examples, {len(snapshot['cli'])} CLI runs", file=sys.stderr)


if __name__ == "__main__":
    main()
