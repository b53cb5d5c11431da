"""The rule-pack schema and its YAML loader: strict, with errors naming file, line, rule and field.

Only used when a pack changed since the last run; the checks run on the plain rules in rules.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from notify.errors import PolicyPackError, did_you_mean
from notify.policy.vocabulary import AUDIENCES, CATEGORIES, Action, Severity

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Loader  # type: ignore[assignment]


class ExamplesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bad: list[str | dict[str, str]] = Field(min_length=1)
    good: list[str | dict[str, str]] = Field(min_length=1)


class NearSpec(BaseModel):
    """The match only counts when one of these stands in the same clause."""

    model_config = ConfigDict(extra="forbid")
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    span: str = Field(default="match", pattern="^(match|from-cue)$")


class DeclaredSpec(BaseModel):
    """How a record's own field for a required element is judged (see rules.Declared)."""

    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=10)
    first_person: bool = False
    first_person_message: str = ""
    reject: list[str] = Field(default_factory=list)

    @field_validator("reject")
    @classmethod
    def _regex(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value


class WhenSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open: bool | None = None
    maintenance: bool | None = None


class RuleSpec(BaseModel):
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
    near: NearSpec | None = None
    unless: list[str] = Field(default_factory=list)
    unless_followed_by: list[str] = Field(default_factory=list)
    field: str | None = None
    relates_to: str | None = None
    addressed_by: list[str] = Field(default_factory=list)
    first_person: bool = False
    skip_product_names: bool = False
    any_case: bool = False
    once_per_term: bool = False
    known_terms: list[str] = Field(default_factory=list)
    when: WhenSpec = Field(default_factory=WhenSpec)
    declared: DeclaredSpec | None = None
    suggest: str | None = Field(default=None, pattern="^(apology|responsibility|remedy|contact|next_update)$")
    examples: ExamplesSpec
    enabled: bool = True

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
                re.compile(pattern, re.IGNORECASE)  # as the checks compile it, so re's cache serves both
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> RuleSpec:
        if not (self.phrases or self.lists or self.patterns or self.glossary or self.relates_to):
            raise ValueError("a rule needs phrases, lists, patterns or a glossary to match")
        if self.action is Action.replace and self.replacement is None and not self.glossary:
            raise ValueError("a replace rule needs a replacement or a glossary")
        return self


class OverrideSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    severity: Severity | None = None
    audiences: list[str] | None = None


class PackSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    lists: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    overrides: dict[str, OverrideSpec] = Field(default_factory=dict)


def load_pack(path: Path) -> PackSpec:
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
        raise PolicyPackError(
            f"malformed YAML: {exc.problem}", path=path, line=mark.line + 1 if mark else None
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyPackError(f"cannot read: {exc}", path=path) from None
    if not isinstance(data, dict):
        raise PolicyPackError("a rule pack is a mapping with 'rules', 'lists' or 'overrides'", path=path)
    try:
        return PackSpec.model_validate(data)
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
            hint = did_you_mean(str(loc[-1]), RuleSpec.model_fields)
            msg = "is not a rule field" + (f"; {hint}" if hint else "")
        raise PolicyPackError(f"{where}{field or 'rule'}: {msg}", path=path, line=line) from None


def _rule_line(node: Any, index: int) -> int | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if key.value == "rules" and isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return int(value.value[index].start_mark.line) + 1
    return None
