"""The rules as the checks use them: plain frozen values, merged from bundled and user packs.

Validating packs needs pydantic and YAML (packs.py); Policy.load caches the merged, compiled result,
so a run whose packs have not changed needs neither.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notify.errors import PolicyPackError, did_you_mean
from notify.policy.vocabulary import AUDIENCES, Action, Severity
from notify.resources import bundled_dir


@dataclass(frozen=True, slots=True)
class Near:
    """The match only counts when one of these stands in the same clause."""

    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    span: str = "match"


@dataclass(frozen=True, slots=True)
class Declared:
    """How a record's own field for this element is judged: for its job, not for its words.

    The author said which sentence is the responsibility; it fails only when it is empty, does not
    speak as us (first_person), or says nothing but what `reject` describes (status talk, say)."""

    message: str
    first_person: bool = False
    first_person_message: str = ""
    reject: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class When:
    open: bool | None = None
    maintenance: bool | None = None


@dataclass(frozen=True, slots=True)
class Examples:
    bad: tuple[str | dict[str, str], ...]
    good: tuple[str | dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it matches, what it does, why, and the proof that it works."""

    id: str
    category: str
    severity: Severity
    action: Action
    message: str
    examples: Examples
    suggestion: str | None = None
    audiences: tuple[str, ...] = AUDIENCES
    flag_only_for: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    glossary: dict[str, str | None] = field(default_factory=dict)
    replacement: str | None = None
    near: Near | None = None
    unless: tuple[str, ...] = ()
    unless_followed_by: tuple[str, ...] = ()
    field: str | None = None
    relates_to: str | None = None
    addressed_by: tuple[str, ...] = ()
    first_person: bool = False
    skip_product_names: bool = False
    any_case: bool = False  # its phrases match in any case ("stripe"), for rules a context makes safe
    once_per_term: bool = False  # a flag the reviewer reads once per term in a text, not at every use
    known_terms: tuple[str, ...] = ()  # matches its patterns make that are plain words to customers (UTC, SMS)
    when: When = When()
    declared: Declared | None = None
    suggest: str | None = None
    enabled: bool = True
    pack: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["severity"], data["action"] = self.severity.value, self.action.value
        return data


@dataclass(frozen=True)
class RuleSet:
    """Every rule and every named word list, merged from the bundled and user packs."""

    rules: list[Rule]
    lists: dict[str, list[str]]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        hint = did_you_mean(rule_id, [r.id for r in self.rules])
        raise PolicyPackError(
            f"no rule {rule_id!r}" + (f"; {hint}" if hint else ""), hint="`notify rules` lists them all"
        )

    def for_audience(self, audience: str) -> list[Rule]:
        return [r for r in self.rules if r.enabled and audience in r.audiences]


def language_dir(language: str) -> Path | None:
    """The bundled packs for a language: policies/ for English, policies/i18n/<code>/ for others."""
    if language == "en":
        return bundled_dir("policies")
    path = bundled_dir("policies") / "i18n" / language
    return path if path.is_dir() else None


def pack_dirs(
    extra_dirs: Sequence[str | Path] = (), *, bundled: bool = True, language: str = "en"
) -> list[tuple[Path, list[Path]]]:
    """Each directory of packs, bundled first, with its pack files in the order they apply."""
    base = language_dir(language)
    if bundled and base is None:
        raise PolicyPackError(
            f"no rule packs for language {language!r}; its text cannot be checked",
            hint=f"add policies/i18n/{language}/ (see policies/i18n/de/)",
        )
    dirs: list[Path] = [base] if bundled and base is not None else []
    dirs += [Path(d) for d in extra_dirs]
    return [(d, list(_pack_files(d))) for d in dirs]


def load_rules(extra_dirs: Sequence[str | Path] = (), *, bundled: bool = True) -> RuleSet:
    """The bundled packs, then each user directory's packs over them, in order."""
    return merge_packs(pack_dirs(extra_dirs, bundled=bundled), bundled)


def merge_packs(files: list[tuple[Path, list[Path]]], bundled: bool = True) -> RuleSet:
    from notify.policy.packs import load_pack  # pydantic and YAML: only when a pack changed

    rules: dict[str, Rule] = {}
    lists: dict[str, list[str]] = {}
    overrides: list[tuple[Path, dict[str, Any]]] = []
    for index, (_directory, paths) in enumerate(files):
        for path in paths:
            pack = load_pack(path)
            for name, words in pack.lists.items():
                lists.setdefault(name, []).extend(words)
            for spec in pack.rules:
                if bundled and index == 0 and not spec.id.startswith(path.stem + "-"):
                    raise PolicyPackError(
                        f"rule id {spec.id!r} must start with {path.stem + '-'!r}", path=path, field="id"
                    )
                rules[spec.id] = _plain(spec.model_dump(), str(path))
            if pack.overrides:
                overrides.append((path, {k: v.model_dump(exclude_none=True) for k, v in pack.overrides.items()}))
    for path, changes in overrides:
        for rule_id, change in changes.items():
            if rule_id not in rules:
                hint = did_you_mean(rule_id, rules)
                raise PolicyPackError(
                    f"overrides a rule that does not exist: {rule_id!r}" + (f"; {hint}" if hint else ""),
                    path=path,
                    field="overrides",
                )
            if "audiences" in change:
                change["audiences"] = tuple(change["audiences"])
            rules[rule_id] = dataclasses.replace(rules[rule_id], **change)
    ruleset = RuleSet(rules=list(rules.values()), lists=lists)
    _check_references(ruleset)
    return ruleset


def _plain(data: dict[str, Any], pack: str) -> Rule:
    """A validated rule spec as the frozen value the checks use."""
    for key in (
        "audiences",
        "flag_only_for",
        "phrases",
        "lists",
        "patterns",
        "unless",
        "unless_followed_by",
        "addressed_by",
        "known_terms",
    ):
        data[key] = tuple(data[key])
    near, when, examples = data.pop("near"), data.pop("when"), data.pop("examples")
    declared = data.pop("declared")
    return Rule(
        **data,
        declared=Declared(
            declared["message"], declared["first_person"], declared["first_person_message"], tuple(declared["reject"])
        )
        if declared
        else None,
        near=Near(tuple(near["phrases"]), tuple(near["patterns"]), tuple(near["lists"]), near["span"])
        if near
        else None,
        when=When(**when),
        examples=Examples(tuple(examples["bad"]), tuple(examples["good"])),
        pack=pack,
    )


def _pack_files(directory: Path) -> Iterable[Path]:
    if not directory.is_dir():
        raise PolicyPackError(
            "is not a directory of rule packs", path=directory, hint="pass --policy DIR with .yaml packs inside"
        )
    return sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"})


def _check_references(ruleset: RuleSet) -> None:
    """Every word list and rule a rule names exists."""
    known = {r.id for r in ruleset.rules}
    for rule in ruleset.rules:
        names = rule.lists + (rule.near.lists if rule.near else ())
        for name in names:
            if name not in ruleset.lists:
                hint = did_you_mean(name, ruleset.lists)
                raise PolicyPackError(
                    f"rule {rule.id!r}: lists: no word list named {name!r}" + (f"; {hint}" if hint else ""),
                    path=rule.pack,
                )
        for other in rule.addressed_by:
            if other not in known:
                hint = did_you_mean(other, known)
                raise PolicyPackError(
                    f"rule {rule.id!r}: addressed_by: no rule {other!r}" + (f"; {hint}" if hint else ""), path=rule.pack
                )
