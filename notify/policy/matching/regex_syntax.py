"""Enough of Python's regular-expression syntax to reason about a rule's pattern before running it.

The fast paths need to know what a pattern must contain (its required literals), how short a match
can be and how it starts. CPython's own parser (`re._parser`) is private and changes between
releases, so this reads the syntax the rule packs use and answers conservatively: where it is not
sure, it says "no literal" or "not strippable", which only costs speed, never a match.

A parsed pattern is a list of branches; a branch is a list of nodes:
    ("lit", char)                 a character
    ("in", negated, items)        a class; items are ("lit", c), ("range", a, b) or ("cat", name)
    ("any",)                      the dot
    ("at", name) / ("look",)      zero-width: anchors, \\b, lookarounds
    ("group", flags, branches)    any group; flags is the scoped-flags text ("-i", "i") or None
    ("repeat", low, high, node)   a quantified node (high None: unbounded)
    ("backref",)                  a back-reference: width unknown, treated as possibly empty
"""

from __future__ import annotations

import re
from typing import Any

Node = tuple[Any, ...]
Branches = list[list[Node]]
CATEGORIES = {"d": "digit", "D": "notdigit", "w": "word", "W": "notword", "s": "space", "S": "notspace"}
ANCHORS = {"b": "boundary", "B": "nonboundary", "A": "start", "Z": "end"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "0": "\0"}


class Unsupported(ValueError):
    """A construct this reader does not know; callers treat the pattern as opaque."""


def parse(source: str) -> Branches:
    """The pattern's branches; raises Unsupported (or re.error for an invalid pattern)."""
    re.compile(source)  # invalid patterns fail here, with re's own message
    reader = _Reader(source)
    branches = reader.alternation()
    if reader.pos != len(source):
        raise Unsupported(f"unbalanced ')' at {reader.pos}")
    return branches


def sequence(source: str) -> list[Node] | None:
    """The pattern as one sequence of nodes; None when it has a top-level '|' or cannot be read."""
    try:
        branches = parse(source)
    except (Unsupported, re.error):
        return None
    return branches[0] if len(branches) == 1 else None


def min_width(node: Node) -> int:
    kind = node[0]
    if kind in ("lit", "in", "any"):
        return 1
    if kind == "group":
        return min(sum(min_width(n) for n in branch) for branch in node[2])
    if kind == "repeat":
        return int(node[1]) * min_width(node[3])
    return 0


def starts_with_literal_or_set(nodes: list[Node]) -> bool:
    """Whether every match begins with a character from a known literal or a (non-negated) class, so
    the engine can search for that start."""
    if not nodes:
        return False
    first = nodes[0]
    if first[0] == "lit" or (first[0] == "in" and not first[1]):
        return True
    if first[0] == "group" and first[1] is None:
        return all(starts_with_literal_or_set(branch) for branch in first[2])
    return False


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def peek(self, text: str) -> bool:
        return self.source.startswith(text, self.pos)

    def alternation(self) -> Branches:
        branches = [self.branch()]
        while self.peek("|"):
            self.pos += 1
            branches.append(self.branch())
        return branches

    def branch(self) -> list[Node]:
        nodes: list[Node] = []
        while self.pos < len(self.source) and not self.peek("|") and not self.peek(")"):
            atom = self.atom()
            if atom is None:
                continue
            nodes.append(self.quantified(atom))
        return nodes

    def quantified(self, atom: Node) -> Node:
        match = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}").match(self.source, self.pos)
        if not match or (match.group().startswith("{") and not (match.group(1) or match.group(3))):
            return atom
        self.pos = match.end()
        text = match.group()
        if text == "*":
            low, high = 0, None
        elif text == "+":
            low, high = 1, None
        elif text == "?":
            low, high = 0, 1
        else:
            low = int(match.group(1) or 0)
            high = None if match.group(2) and not match.group(3) else int(match.group(3) or low)
        if self.peek("?") or self.peek("+"):  # lazy or possessive: the same width
            self.pos += 1
        return ("repeat", low, high, atom)

    def atom(self) -> Node | None:
        char = self.source[self.pos]
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape(in_class=False)
        self.pos += 1
        if char == ".":
            return ("any",)
        if char in "^$":
            return ("at", char)
        return ("lit", char)

    def group(self) -> Node | None:
        self.pos += 1
        flags = None
        if self.peek("?#"):
            end = self.source.index(")", self.pos)
            self.pos = end + 1
            return None
        if self.peek("?:"):
            self.pos += 2
        elif self.peek("?P<"):
            self.pos = self.source.index(">", self.pos) + 1
        elif self.peek("?P="):
            self.pos = self.source.index(")", self.pos) + 1
            return ("backref",)
        elif self.peek("?=") or self.peek("?!") or self.peek("?<=") or self.peek("?<!"):
            self.pos += 3 if self.peek("?<") else 2
            self.alternation()
            self.expect(")")
            return ("look",)
        elif self.peek("?"):
            match = re.compile(r"\?([aiLmsux]*(?:-[imsx]+)?)(:|\))").match(self.source, self.pos)
            if not match:
                raise Unsupported(f"group syntax at {self.pos}")
            self.pos = match.end()
            if match.group(2) == ")":  # global flags such as (?i): nothing to match
                return None
            flags = match.group(1)
        branches = self.alternation()
        self.expect(")")
        return ("group", flags, branches)

    def expect(self, text: str) -> None:
        if not self.peek(text):
            raise Unsupported(f"expected {text!r} at {self.pos}")
        self.pos += len(text)

    def escape(self, *, in_class: bool) -> Node:
        self.pos += 1
        char = self.source[self.pos]
        self.pos += 1
        if char in CATEGORIES:
            return ("cat", CATEGORIES[char]) if in_class else ("in", False, [("cat", CATEGORIES[char])])
        if not in_class and char in ANCHORS:
            return ("at", ANCHORS[char])
        if in_class and char == "b":
            return ("lit", "\b")
        if char in ESCAPES:
            return ("lit", ESCAPES[char])
        if char in "xuUN":
            raise Unsupported("numeric escapes")
        if char.isdigit():
            return ("backref",)
        return ("lit", char)

    def char_class(self) -> Node:
        self.pos += 1
        negated = self.peek("^")
        if negated:
            self.pos += 1
        items: list[Node] = []
        first = True
        while first or not self.peek("]"):
            if self.pos >= len(self.source):
                raise Unsupported("unterminated class")
            first = False
            item = self.escape(in_class=True) if self.peek("\\") else self.class_char()
            if self.peek("-") and not self.source.startswith("-]", self.pos) and item[0] == "lit":
                self.pos += 1
                end = self.escape(in_class=True) if self.peek("\\") else self.class_char()
                if end[0] != "lit":
                    raise Unsupported("range to a category")
                item = ("range", item[1], end[1])
            items.append(item)
        self.pos += 1
        return ("in", negated, items)

    def class_char(self) -> Node:
        char = self.source[self.pos]
        self.pos += 1
        return ("lit", char)
