"""A rule's regular expression, run the fast way with the same matches as plain `re`.

Python's engine is quick when a pattern opens with a literal or a set of literal characters and
runs without IGNORECASE: it can jump from one possible start to the next instead of trying the
whole pattern at every position. Rule patterns are written for people (`\\bwe (?:will|...)`,
case-insensitive, a capitalised name here and there), so each is rewritten once:

- without a case-sensitive part it runs on the folded (lower-cased) text, without IGNORECASE;
- a pattern wholly inside `(?-i:...)` runs on the text as written, without IGNORECASE;
- a leading `\\b` before a literal start is checked by hand after the engine found the start;
- a mixed pattern (`customers including (?-i:[A-Z]...)`) first finds where its case-free head
  matches in the folded text, and only there tries the whole pattern.

tests/test_fast_paths.py checks every bundled pattern against plain `re` on generated text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from notify.policy.matching.regex_syntax import min_width, sequence, starts_with_literal_or_set

FLAGS = re.IGNORECASE


class Subject(Protocol):
    """A text and its folded form (same length, same offsets)."""

    text: str
    folded: str


class Regex:
    """A rule pattern, compiled on first use (a short message needs few of them)."""

    __slots__ = ("_compiled", "bounded", "flags", "head", "on_folded", "source", "spanned")

    def __init__(self, source: str) -> None:
        lowered = _lower_pattern(source)
        self.on_folded = lowered is not None
        self.source = lowered if lowered is not None else source
        self.flags = 0 if self.on_folded else FLAGS
        if not self.on_folded and _wholly_case_sensitive(source):
            self.source, self.flags = source[5:-1], 0
        self.bounded = self.flags == 0 and _boundary_strippable(self.source)
        if self.bounded:
            self.source = self.source[2:]
        head = _case_free_head(source) if self.flags else None
        self.head = Regex(head) if head else None
        self.spanned = "(?P<span>" in self.source  # the finding is that group, not the whole match
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, subject: Subject, pos: int, endpos: int) -> re.Match[str] | None:
        """Like Pattern.search on the text (or its folded form, same offsets)."""
        if self.head is not None:
            pattern = self.pattern
            while (found := self.head.search(subject, pos, endpos)) is not None:
                m = pattern.match(subject.text, found.start(), endpos)
                if m is not None:
                    return m
                pos = found.start() + 1
            return None
        string = subject.folded if self.on_folded else subject.text
        pattern = self.pattern
        while True:
            m = pattern.search(string, pos, endpos)
            if m is None or not self.bounded or _at_boundary(string, m.start()):
                return m
            pos = m.start() + 1

    def finditer(self, subject: Subject, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        """Like Pattern.finditer (a rewritten pattern never matches the empty string)."""
        if self.head is None and not self.bounded:
            return self.pattern.finditer(subject.folded if self.on_folded else subject.text, pos, endpos)
        return self._matches(subject, pos, endpos)

    def _matches(self, subject: Subject, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        while (m := self.search(subject, pos, endpos)) is not None:
            yield m
            pos = m.end()

    def __getstate__(self) -> tuple[str, bool, int, bool, Regex | None]:
        return self.source, self.on_folded, self.flags, self.bounded, self.head

    def __setstate__(self, state: tuple[str, bool, int, bool, Regex | None]) -> None:
        self.source, self.on_folded, self.flags, self.bounded, self.head = state
        self.spanned = "(?P<span>" in self.source
        self._compiled = None


def _lower_pattern(source: str) -> str | None:
    """The pattern with its literals lower-cased (escapes and group names kept), or None where case matters."""
    if "(?-i" in source or not source.isascii():
        return None
    out = []
    index = 0
    while index < len(source):
        if source.startswith("(?P", index):
            close = source.index(">" if source.startswith("(?P<", index) else ")", index)
            out.append(source[index : close + 1])
            index = close + 1
        elif source[index] == "\\":
            out.append(source[index : index + 2])
            index += 2
        else:
            out.append(source[index].lower())
            index += 1
    return "".join(out)


def _wholly_case_sensitive(source: str) -> bool:
    """'(?-i:...)' around the whole pattern."""
    if not (source.startswith("(?-i:") and source.endswith(")")):
        return False
    nodes = sequence(source)
    return nodes is not None and len(nodes) == 1 and nodes[0][0] == "group" and nodes[0][1] == "-i"


def _at_boundary(string: str, index: int) -> bool:
    """What `\\b` tests before a match that starts at index (never at the end of the string)."""
    before = index > 0 and (string[index - 1].isalnum() or string[index - 1] == "_")
    here = string[index].isalnum() or string[index] == "_"
    return before != here


def _boundary_strippable(source: str) -> bool:
    """A leading `\\b` on a whole pattern (no top-level `|`) whose rest starts with a literal or a
    set of literals, so that the engine can search for that start and the match is never empty."""
    if not source.startswith("\\b"):
        return False
    whole, rest = sequence(source), sequence(source[2:])
    if whole is None or rest is None or len(whole) < 2 or whole[0] != ("at", "boundary"):
        return False
    return starts_with_literal_or_set(rest)


def _case_free_head(source: str) -> str | None:
    """The top-level items before the first case-sensitive group, when they can run on folded text
    and never match the empty string; None otherwise (or when the pattern has a top-level `|`)."""
    depth, group_start, index = 0, 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(source, index)
            continue
        if source.startswith("(?-i:", index):
            end = index if depth == 0 else group_start
            head = source[:end]
            nodes = sequence(head) if head and _lower_pattern(head) is not None else None
            if nodes is None:
                return None
            return head if sum(min_width(n) for n in nodes) > 0 else None
        if char == "(":
            if depth == 0:
                group_start = index
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return None
        index += 1
    return None


def _class_end(source: str, index: int) -> int:
    """The offset just after the character class opening at index."""
    index += 1
    if index < len(source) and source[index] == "^":
        index += 1
    if index < len(source) and source[index] == "]":
        index += 1
    while index < len(source) and source[index] != "]":
        index += 2 if source[index] == "\\" else 1
    return index + 1
