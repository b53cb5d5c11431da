"""Load rule packs: YAML data under policies/, validated, merged, overridable by a user's packs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from notify.errors import PolicyPackError, did_you_mean
from notify.resources import bundled_dir

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

CATEGORIES = {
    "apology.missing": "No apology, or none a person would recognise as one.",
    "apology.non-apology": "An apology that is conditional, impersonal or for 'any inconvenience'.",
    "responsibility.missing": "Nothing says the failure was ours.",
    "responsibility.deflection": "Passive voice, 'beyond our control', 'not our fault', blaming the system.",
    "remedy.missing": "No concrete offer to make it right, or only a token one 'per the contract'.",
    "blame.third-party": "A vendor, supplier or partner blamed for our failure.",
    "jargon": "Technical terms customers do not use.",
    "downplay": "Words that shrink the customer's problem.",
    "overpromise": "A promise we cannot keep: 'never again', guarantees, certain fix times.",
    "canned": "Script lines that sound like nobody listened.",
    "privacy": "A customer's name, email or account on a channel others can read.",
    "contact.missing": "No human the customer can reach directly.",
    "next-update.missing": "An open incident that does not say when the next update comes.",
}
AUDIENCES = ("public", "customers", "internal")


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    suggestion = "suggestion"


class Action(Enum):
    flag = "flag"
    replace = "replace"
    drop_clause = "drop-clause"
    drop_sentence = "drop-sentence"
    require = "require"


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bad: list[str | dict[str, str]] = Field(min_length=1)
    good: list[str | dict[str, str]] = Field(min_length=1)


class Near(BaseModel):
    """The match only counts when one of these stands in the same clause."""

    model_config = ConfigDict(extra="forbid")
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    span: str = Field(default="match", pattern="^(match|from-cue)$")


class When(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open: bool | None = None
    maintenance: bool | None = None


class Rule(BaseModel):
    """One rule: what it matches, what it does, why, and the proof that it works."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str
    severity: Severity
    action: Action
    message: str = Field(min_length=10)
    suggestion: str | None = None
    audiences: list[str] = Field(default_factory=lambda: list(AUDIENCES))
    flag_only_for: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    glossary: dict[str, str | None] = Field(default_factory=dict)
    replacement: str | None = None
    near: Near | None = None
    unless: list[str] = Field(default_factory=list)
    unless_followed_by: list[str] = Field(default_factory=list)
    field: str | None = None
    relates_to: str | None = None
    addressed_by: list[str] = Field(default_factory=list)
    first_person: bool = False
    when: When = Field(default_factory=When)
    suggest: str | None = Field(default=None, pattern="^(apology|responsibility|remedy|contact|next_update)$")
    examples: Examples
    enabled: bool = True
    pack: str = ""

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in CATEGORIES:
            hint = did_you_mean(value, CATEGORIES)
            raise ValueError(f"unknown category {value!r}" + (f"; {hint}" if hint else ""))
        return value

    @field_validator("audiences", "flag_only_for")
    @classmethod
    def _audiences(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in AUDIENCES:
                raise ValueError(f"unknown audience {name!r}; use {', '.join(AUDIENCES)}")
        return value

    @field_validator("patterns", "unless", "unless_followed_by")
    @classmethod
    def _regex(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if not (self.phrases or self.lists or self.patterns or self.glossary or self.relates_to):
            raise ValueError("a rule needs phrases, lists, patterns or a glossary to match")
        if self.action is Action.replace and self.replacement is None and not self.glossary:
            raise ValueError("a replace rule needs a replacement or a glossary")
        return self


class Override(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    severity: Severity | None = None
    audiences: list[str] | None = None


class Pack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    lists: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    overrides: dict[str, Override] = Field(default_factory=dict)


class RuleSet(BaseModel):
    """Every enabled rule and every named word list, merged from the bundled and user packs."""

    rules: list[Rule]
    lists: dict[str, list[str]]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        hint = did_you_mean(rule_id, [r.id for r in self.rules])
        raise PolicyPackError(f"no rule {rule_id!r}" + (f"; {hint}" if hint else ""),
                              hint="`notify rules` lists them all")

    def for_audience(self, audience: str) -> list[Rule]:
        return [r for r in self.rules if r.enabled and audience in r.audiences]


def load_rules(extra_dirs: Sequence[str | Path] = (), *, bundled: bool = True) -> RuleSet:
    """The bundled packs, then each user directory's packs over them, in order."""
    dirs: list[Path] = [bundled_dir("policies")] if bundled else []
    dirs += [Path(d) for d in extra_dirs]
    rules: dict[str, Rule] = {}
    lists: dict[str, list[str]] = {}
    overrides: list[tuple[Path, dict[str, Override]]] = []
    for directory in dirs:
        for path in _pack_files(directory):
            pack = load_pack(path)
            for name, words in pack.lists.items():
                lists.setdefault(name, []).extend(words)
            for rule in pack.rules:
                if not rule.id.startswith(path.stem + "-") and bundled and directory == dirs[0]:
                    raise PolicyPackError(f"rule id {rule.id!r} must start with {path.stem + '-'!r}",
                                          path=path, field="id")
                rules[rule.id] = rule.model_copy(update={"pack": str(path)})
            if pack.overrides:
                overrides.append((path, pack.overrides))
    for path, changes in overrides:
        for rule_id, change in changes.items():
            if rule_id not in rules:
                hint = did_you_mean(rule_id, rules)
                raise PolicyPackError(f"overrides a rule that does not exist: {rule_id!r}"
                                      + (f"; {hint}" if hint else ""), path=path, field="overrides")
            update = {k: v for k, v in change.model_dump().items() if v is not None}
            rules[rule_id] = rules[rule_id].model_copy(update=update)
    ruleset = RuleSet(rules=list(rules.values()), lists=lists)
    _check_list_references(ruleset)
    return ruleset


def _pack_files(directory: Path) -> Iterable[Path]:
    if not directory.is_dir():
        raise PolicyPackError("is not a directory of rule packs", path=directory,
                              hint="pass --policy DIR with .yaml packs inside")
    return sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"})


def load_pack(path: Path) -> Pack:
    """One pack file, with errors naming the file, the line, the rule and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data: Any = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise PolicyPackError(f"malformed YAML: {exc.problem}", path=path,
                              line=mark.line + 1 if mark else None) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyPackError(f"cannot read: {exc}", path=path) from None
    if not isinstance(data, dict):
        raise PolicyPackError("a rule pack is a mapping with 'rules', 'lists' or 'overrides'", path=path)
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:  # a misspelt key explains the 'missing' error beside it
        error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = list(error["loc"])
        rule_id = None
        line = None
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            rules = data.get("rules") or []
            rule = rules[loc[1]] if loc[1] < len(rules) else None
            rule_id = rule.get("id") if isinstance(rule, dict) else None
            line = _rule_line(node, loc[1])
        field = ".".join(str(p) for p in loc[2:] if not isinstance(p, int)) if rule_id else ".".join(map(str, loc))
        where = f"rule {rule_id!r}: " if rule_id else ""
        msg = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            hint = did_you_mean(str(loc[-1]), Rule.model_fields)
            msg = "is not a rule field" + (f"; {hint}" if hint else "")
        raise PolicyPackError(f"{where}{field or 'rule'}: {msg}", path=path, line=line) from None


def _rule_line(node: Any, index: int) -> int | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if key.value == "rules" and isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return int(value.value[index].start_mark.line) + 1
    return None


def _check_list_references(ruleset: RuleSet) -> None:
    for rule in ruleset.rules:
        names = rule.lists + (rule.near.lists if rule.near else [])
        for name in names:
            if name not in ruleset.lists:
                hint = did_you_mean(name, ruleset.lists)
                raise PolicyPackError(f"rule {rule.id!r}: lists: no word list named {name!r}"
                                      + (f"; {hint}" if hint else ""), path=rule.pack)
