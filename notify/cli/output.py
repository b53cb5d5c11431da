"""Print findings for people (compiler-style lines), for machines (JSON, SARIF) and for CI (GitHub)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from notify import __version__
from notify.policy.checks import Finding, Rewrite
from notify.policy.rules import Rule
from notify.policy.vocabulary import CATEGORIES

COLOURS = {"error": "red", "warning": "yellow", "suggestion": "cyan"}


@dataclass(frozen=True)
class Located:
    """A finding with the file, line and column a person can jump to."""

    path: str
    line: int
    column: int
    audience: str
    finding: Finding

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "audience": self.audience,
            **self.finding.as_dict(),
        }


def line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def text_lines(found: Sequence[Located], colour: bool) -> str:
    out = []
    for item in found:
        f = item.finding
        severity = click.style(f.severity, fg=COLOURS[f.severity], bold=True) if colour else f.severity
        fixed = " (fixed)" if f.fixed else ""
        quoted = f' "{f.text}"' if f.text else ""
        out.append(f"{item.path}:{item.line}:{item.column}: {severity} [{f.rule}]{quoted} {f.message}{fixed}")
        if f.replacement:
            out.append(f"  replace with: {f.replacement}")
        elif f.suggestion:
            out.append(f"  suggestion: {f.suggestion}")
    return "\n".join(out)


def rewrites_text(rewrites: Sequence[Rewrite], colour: bool) -> str:
    style: Callable[..., str] = click.style if colour else (lambda s, **_: s)
    out = []
    for r in rewrites:
        out.append(f"{r.field} [{', '.join(r.rules)}]")
        out.append(style(f"  - {r.before}", fg="red"))
        out.append(style(f"  + {r.after}", fg="green") if r.after else style("  + (removed)", fg="green"))
    return "\n".join(out)


def summary(found: Sequence[Located], verdict: str) -> str:
    errors = sum(1 for f in found if f.finding.severity == "error" and not f.finding.fixed)
    fixed = sum(1 for f in found if f.finding.fixed)
    rest = len(found) - errors - fixed
    return f"{verdict}: {errors} blocking, {fixed} fixed, {rest} other finding(s)"


def as_json(
    found: Sequence[Located],
    verdict: str,
    rewrites: Sequence[dict[str, Any]],
    files: Sequence[dict[str, Any]],
    notes: Sequence[str] = (),
) -> str:
    return json.dumps(
        {
            "verdict": verdict,
            "findings": [f.as_dict() for f in found],
            "rewrites": list(rewrites),
            "files": list(files),
            "notes": list(notes),
        },
        indent=2,
        default=str,
    )


def as_github(found: Sequence[Located]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request."""

    def esc(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    level = {"error": "error", "warning": "warning", "suggestion": "notice"}
    return "\n".join(
        f"::{level[f.finding.severity]} file={esc(f.path)},line={f.line},col={f.column},"
        f"title={esc(f.finding.rule)}::{esc(f.finding.message)}"
        for f in found
    )


def as_sarif(found: Sequence[Located], rules: Sequence[Rule]) -> str:
    """SARIF 2.1.0, for code-scanning dashboards."""
    level = {"error": "error", "warning": "warning", "suggestion": "note"}
    used = {f.finding.rule for f in found}
    descriptors = [
        {"id": r.id, "name": r.id, "shortDescription": {"text": r.message}, "properties": {"category": r.category}}
        for r in rules
        if r.id in used
    ]
    known = {d["id"] for d in descriptors}
    descriptors += [{"id": rule_id, "shortDescription": {"text": rule_id}} for rule_id in used - known]
    results = [
        {
            "ruleId": f.finding.rule,
            "level": level[f.finding.severity],
            "message": {"text": f.finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
            "properties": {"category": f.finding.category, "text": f.finding.text},
        }
        for f in found
    ]
    return json.dumps(
        {
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [
                {
                    "tool": {"driver": {"name": "notify", "version": __version__, "rules": descriptors}},
                    "results": results,
                }
            ],
        },
        indent=2,
    )


def rules_table(rules: Sequence[Rule]) -> str:
    width = max(len(r.id) for r in rules)
    lines = [f"{'rule':{width}}  {'category':26} {'severity':10} {'action':13} message"]
    for r in rules:
        state = "" if r.enabled else " (off)"
        lines.append(f"{r.id:{width}}  {r.category:26} {r.severity.value:10} {r.action.value:13} {r.message}{state}")
    return "\n".join(lines)


def explain_rule(rule: Rule) -> str:
    lines = [
        f"{rule.id}: {rule.message}",
        f"  category:  {rule.category} ({CATEGORIES[rule.category]})",
        f"  severity:  {rule.severity.value}",
        f"  action:    {rule.action.value}",
        f"  audiences: {', '.join(rule.audiences)}",
        f"  pack:      {rule.pack}",
    ]
    if rule.suggestion:
        lines.append(f"  suggestion: {rule.suggestion}")
    size = len(rule.phrases) + len(rule.patterns) + len(rule.glossary)
    if size:
        lines.append(
            f"  matches:   {size} phrase(s), pattern(s) or term(s)"
            + (f", plus lists {', '.join(rule.lists)}" if rule.lists else "")
        )
    lines.append("  bad:")
    lines += [f"    - {example}" for example in rule.examples.bad]
    lines.append("  good:")
    lines += [f"    + {example}" for example in rule.examples.good]
    return "\n".join(lines)
