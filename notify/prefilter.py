"""Skip regexes that cannot match: each pattern's required leading literals, found in one pass.

A pattern such as '\\b(?:credit|refund\\w*)\\b' can only match where 'credit' or 'refund' occurs.
Those literals go into one Aho-Corasick automaton; a pattern runs only on text that holds one of
them. Patterns whose start is not literal (a character class, say) always run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as C  # type: ignore[attr-defined]  # the parser re itself uses (3.11+)

import ahocorasick

MIN_LITERAL = 3


def leading_literals(pattern: str) -> set[str] | None:
    """Literals one of which every match contains (lower-cased), or None when there is no such set."""
    from re import _parser  # type: ignore[attr-defined]  # only when a pack is compiled

    try:
        parsed = _parser.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    return _required(list(parsed))


def _required(items: list) -> set[str] | None:  # type: ignore[type-arg]
    """The first element of a sequence that pins down a literal; optional or fuzzy ones are skipped."""
    index = 0
    while index < len(items):
        op, arg = items[index]
        if op is C.LITERAL:
            run = []
            while index < len(items) and items[index][0] is C.LITERAL:
                run.append(chr(items[index][1]).lower())
                index += 1
            if len(run) >= MIN_LITERAL:
                return {"".join(run)}
            continue
        found = _element(op, arg)
        if found is not None:
            return found
        index += 1
    return None


def _element(op: object, arg: object) -> set[str] | None:
    if op is C.SUBPATTERN:
        return _required(list(arg[3]))  # type: ignore[index]
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in arg[1]:  # type: ignore[index]
            found = _required(list(branch))
            if found is None:
                return None
            out |= found
        return out
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) and arg[0] >= 1:  # type: ignore[index]
        return _required(list(arg[2]))  # type: ignore[index]
    return None


class Prefilter:
    """Which of many patterns could match a text, from one pass over its folded form."""

    def __init__(self, patterns: Iterable[tuple[str, str]]) -> None:
        self.always: set[str] = set()
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, set[str]] = {}
        for key, pattern in patterns:
            literals = leading_literals(pattern)
            if literals is None:
                self.always.add(key)
                continue
            for literal in literals:
                owners.setdefault(literal, set()).add(key)
        for literal, keys in owners.items():
            self._automaton.add_word(literal, frozenset(keys))
        self._empty = not owners
        if owners:
            self._automaton.make_automaton()

    def locate(self, folded: str) -> dict[str, list[int] | None]:
        """Each pattern that could match, with where its literals are (None: anywhere, run it all)."""
        found: dict[str, list[int] | None] = dict.fromkeys(self.always)
        if not self._empty:
            for end, owners in self._automaton.iter(folded):
                for key in owners:
                    places = found.setdefault(key, [])
                    if places is not None:
                        places.append(end)
        return found


def windows(spans: list[tuple[int, int]], places: list[int] | None, length: int) -> list[tuple[int, int]]:
    """The sentences holding any of the places, each once; the whole text when places is None."""
    if places is None or not spans:
        return [(0, length)]
    chosen: list[tuple[int, int]] = []
    for place in sorted(places):
        for start, end in spans:
            if start <= place < end:
                if not chosen or chosen[-1] != (start, end):
                    chosen.append((start, end))
                break
    return chosen
