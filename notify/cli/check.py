"""`notify check`: run the policy over records and message files, and optionally fix them in place."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notify.cli.output import Located, line_col
from notify.policy.judge import Policy, PolicyResult
from notify.record.sources import Record, looks_like_record, parse_incident, read_text


@dataclass
class Report:
    located: list[Located] = field(default_factory=list)
    rewrites: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "blocked" if any(f["verdict"] == "blocked" for f in self.files) else "pass"


def check_paths(policy: Policy, paths: Sequence[str], audience: str, *, fix: bool = False) -> Report:
    report = Report()
    for path in paths:
        text = read_text(path)
        name = "<stdin>" if path == "-" else path
        if looks_like_record(path, text):
            incident, lines = parse_incident(text, name)
            record = Record(incident, name, text, lines)
            result = policy.check_incident(incident, audience)
            ours = policy.possibly_ours(" ".join(v for v in result.fields.values() if v), incident.title)
            report.located += sorted(
                (Located(name, *record.locate(f.field, f.start), audience, f) for f in result.findings),
                key=lambda x: (x.line, x.column),
            )
            fixed = fix_record(record, result) if fix else None
        else:
            result = policy.check_text(text, audience)
            ours = policy.possibly_ours(text)
            report.located += [Located(name, *line_col(text, f.start), audience, f) for f in result.findings]
            fixed = result.fields["text"] if fix else None
            if fixed is not None and text.endswith("\n") and not fixed.endswith("\n"):
                fixed += "\n"
        if ours and any(f.category == "blame.third-party" for f in result.findings):
            names = ", ".join(repr(n) for n in ours)
            report.notes.append(
                f"{name}: {names} may be your own organisation, not a supplier; if so, say so in "
                f"notify.toml: [org] name = {json.dumps(ours[0])} (other names under aliases)"
            )
        report.rewrites += [{"file": name, **r.as_dict()} for r in result.rewrites]
        report.files.append({"path": name, "audience": audience, "verdict": result.verdict})
        if fixed is not None and fixed != text:
            report.diffs.append(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        fixed.splitlines(keepends=True),
                        fromfile=f"a/{name}",
                        tofile=f"b/{name}",
                    )
                )
            )
            if path == "-":
                continue
            Path(path).write_text(fixed, encoding="utf-8")
    return report


_SCALAR = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?:[\w.-]+:\s+)?)(?P<value>.+?)\s*$")


def fix_record(record: Record, result: PolicyResult) -> str:
    """The record's text with each cleaned one-line field written back as a quoted scalar."""
    lines = record.text.splitlines(keepends=True)
    for name, cleaned in result.fields.items():
        original = _original(record, name)
        if original is None or cleaned == original or not cleaned.strip():
            continue  # an emptied field is left for the person: its finding says what to write
        line_no, _ = record.locate(name, 0)
        if not (0 < line_no <= len(lines)):
            continue
        line = lines[line_no - 1]
        body = line.rstrip("\n")
        match = _SCALAR.match(body)
        if not match or _unquote(match.group("value")) != original:
            continue  # a folded or multi-line value: left for the person to edit
        ending = line[len(body) :]
        lines[line_no - 1] = match.group("lead") + json.dumps(cleaned, ensure_ascii=False) + ending
    return "".join(lines)


def _original(record: Record, name: str) -> str | None:
    value: Any = record.incident
    for part in name.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, str) else None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        try:
            return str(json.loads(value)) if value[0] == '"' else value[1:-1].replace("''", "'")
        except json.JSONDecodeError:
            return value
    return value
