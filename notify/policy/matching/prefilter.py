"""Skip regexes that cannot match: each pattern's required literals, found in one pass.

A pattern such as '\\b(?:credit|refund\\w*)\\b' can only match where 'credit' or 'refund' occurs.
Those literals go into the rule set's Aho-Corasick automaton beside its phrases; a pattern runs
only in the sentences that hold one of them. Patterns with no required literal always run.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping

from notify.policy.matching.regex_syntax import Node, Unsupported, parse

MIN_LITERAL = 3
RARE_CHARACTERS = set("@#$%_/`")  # one of these alone still narrows the search a lot (the @ of an email)
ANY_SCRIPT = "\x00digit"  # with ASCII digits as literals: \d matches the digits of other scripts too
COMMON_WORDS = {
    "the",
    "our",
    "we",
    "and",
    "will",
    "on",
    "not",
    "are",
    "have",
    "has",
    "is",
    "was",
    "were",
    "be",
    "been",
    "to",
    "of",
    "for",
    "in",
    "it",
    "this",
    "that",
    "you",
    "your",
    "if",
    "by",
    "a",
    "an",
    "as",
}


def required_literals(pattern: str) -> set[str] | None:
    """Literals one of which every match contains (lower-cased), or None when there is no such set."""
    try:
        return _alternatives(parse(pattern))
    except (Unsupported, re.error):
        return None


def selectivity(literals: set[str]) -> int:
    """How rarely the least rare of these literals is likely to occur: common words score 0."""

    def one(literal: str) -> int:
        if literal == ANY_SCRIPT:
            return 99  # says nothing about how rare the others are
        if literal.isdigit():
            return 1
        core = literal.strip()
        if core in RARE_CHARACTERS:
            return MIN_LITERAL
        return 0 if core in COMMON_WORDS else len(core)

    return min(one(literal) for literal in literals)


def _alternatives(branches: list[list[Node]]) -> set[str] | None:
    out: set[str] = set()
    for branch in branches:
        found = _required(branch)
        if found is None:
            return None
        out |= found
    return out


def _required(items: list[Node]) -> set[str] | None:
    """Of the elements of a sequence that pin down a literal, the most selective one; optional or fuzzy
    elements are skipped, and 'the ' loses to 'vendor' in '\\bthe (?:lab|vendor) was'."""
    best: set[str] | None = None
    index = 0
    while index < len(items):
        found = None
        if items[index][0] == "lit":
            run = []
            while index < len(items) and items[index][0] == "lit":
                run.append(items[index][1].lower())
                index += 1
            if len(run) >= MIN_LITERAL or (len(run) == 1 and run[0] in RARE_CHARACTERS):
                found = {"".join(run)}
            elif index < len(items) and (digits := _digits_at(items[index])):
                found = {"".join(run) + d if d != ANY_SCRIPT else d for d in digits}  # '-3' in 'db-3'
        else:
            found = _element(items[index])
            index += 1
        if found is not None and (best is None or selectivity(found) > selectivity(best)):
            best = found
    return best


def _element(node: Node) -> set[str] | None:
    if node[0] == "group":
        return _alternatives(node[2])
    if node[0] == "repeat" and node[1] >= 1:
        return _required([node[3]])
    return _digits_at(node)


def _digits_at(node: Node) -> set[str] | None:
    """The digits an element must start with: '[45]' a 4 or a 5; '\\d' or '\\d+' any digit, in any script."""
    if node[0] == "repeat" and node[1] >= 1:
        node = node[3]
    if node[0] != "in" or node[1] or not node[2] or not all(_digits_only(item) for item in node[2]):
        return None
    if all(item[0] == "lit" for item in node[2]):
        return {item[1] for item in node[2]}
    return set("0123456789") | {ANY_SCRIPT}


def _digits_only(item: Node) -> bool:
    if item[0] == "cat":
        return bool(item[1] == "digit")
    if item[0] == "lit":
        return bool(item[1].isdigit())
    if item[0] == "range":
        return bool(item[1].isdigit() and item[2].isdigit())
    return False


class Prefilter:
    """Which of many patterns could match a text, from where their literals occur in it.

    The literals are found by the rule set's phrase automaton in the same pass as the phrases:
    `literals` maps each literal to the tuple of pattern keys that need it.
    """

    def __init__(self, patterns: Iterable[tuple[str, str]]) -> None:
        self.always: set[str] = set()
        self.needs_digit: list[str] = []
        owners: dict[str, set[str]] = {}
        for key, pattern in patterns:
            literals = required_literals(pattern)
            if literals is None:
                self.always.add(key)
                continue
            if ANY_SCRIPT in literals:  # a text with other scripts' digits runs the pattern everywhere
                self.needs_digit.append(key)
                literals = literals - {ANY_SCRIPT}
            for literal in literals:
                owners.setdefault(literal, set()).add(key)
        self.literals: dict[str, tuple[str, ...]] = {literal: tuple(sorted(keys)) for literal, keys in owners.items()}

    def locate(self, tagged: Mapping[Hashable, list[int]], folded: str) -> dict[str, list[int] | None]:
        """Each pattern that could match, with where its literals end (None: anywhere, run it all).

        `tagged` holds the offsets found for each tuple of keys in `literals`. The lists may be
        shared between patterns: read them, never change them."""
        found: dict[str, list[int] | None] = dict.fromkeys(self.always)
        for owners, places in tagged.items():
            for key in owners:  # type: ignore[attr-defined]
                earlier = found.get(key)
                found[key] = places if earlier is None else earlier + places
        if self.needs_digit and not folded.isascii():  # \d also matches digits of other scripts
            found.update(dict.fromkeys(self.needs_digit))
        return found
