"""Find many phrases at once: one Aho-Corasick pass, so time stays flat as packs grow."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import NamedTuple

import ahocorasick

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Lower-case and straighten quotes without changing any offset."""
    if text.isascii():
        return text.lower()
    folded = text.translate(_FOLD).lower()
    if len(folded) != len(text):  # a few characters lower-case to two; keep those as they are
        folded = "".join(c.translate(_FOLD).lower() if len(c.lower()) == 1 else c for c in text)
    return folded


def is_exact(phrase: str) -> bool:
    """A phrase written with a capital (NIC, Stripe) matches only as written: 'Nic' and 'a switch' are left alone."""
    return phrase[:1].isupper()


class Hit(NamedTuple):
    start: int
    end: int
    key: str  # the phrase as written in the pack
    owners: tuple[str, ...]  # whatever the caller attached: rule ids or list names


class PhraseMatcher:
    """Whole-word, case-insensitive matching of a fixed phrase set.

    It can also report where given literals occur, anywhere in a word (`tags`: literal -> tag),
    so that the regex prefilter needs no second pass over the text.
    """

    def __init__(self, phrases: Iterable[tuple[str, str]], tags: Mapping[str, Hashable] | None = None) -> None:
        owners: dict[str, dict[str, list[str]]] = {}
        for phrase, owner in phrases:
            phrase = " ".join(phrase.split())
            if not phrase:
                continue
            owners.setdefault(fold(phrase), {}).setdefault(phrase, []).append(owner)
        words: dict[str, tuple[int, tuple[tuple[str, tuple[str, ...]], ...], Hashable]] = {
            folded: (len(folded), tuple((p, tuple(dict.fromkeys(o))) for p, o in variants.items()), None)
            for folded, variants in owners.items()
        }
        for literal, tag in (tags or {}).items():
            entries = words[literal][1] if literal in words else ()
            words[literal] = (len(literal), entries, tag)
        self._automaton = ahocorasick.Automaton()
        for word, value in words.items():
            self._automaton.add_word(word, value)
        self.size = len(words)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str, folded: str | None = None) -> list[Hit]:
        """Every whole-word occurrence; overlapping hits are all returned."""
        return self.find_tagged(text, folded)[0]

    def find_tagged(self, text: str, folded: str | None = None) -> tuple[list[Hit], dict[Hashable, list[int]]]:
        """The phrase hits, and for each tag the offsets where its literals end."""
        if not self.size:
            return [], {}
        folded = fold(text) if folded is None else folded
        hits = []
        tagged: dict[Hashable, list[int]] = {}
        for last, (length, entries, tag) in self._automaton.iter(folded):
            if tag is not None:
                places = tagged.get(tag)
                if places is None:
                    tagged[tag] = [last]
                else:
                    places.append(last)
            if not entries:
                continue
            start = last - length + 1
            end = last + 1
            if not _whole_word(folded, start, end):
                continue
            for phrase, owners in entries:
                if is_exact(phrase) and text[start:end] != phrase:
                    continue
                hits.append(Hit(start, end, phrase, owners))
        return hits, tagged


def _whole_word(text: str, start: int, end: int) -> bool:
    """Not inside a longer word, nor a hyphenated token: 'db' is not found in 'db-eu-1'."""
    if start > 0:
        char = text[start - 1]
        if char.isalnum() or char == "_" or (char == "-" and start > 1 and text[start - 2].isalnum()):
            return False
    if end < len(text):
        char = text[end]
        if char.isalnum() or char == "_" or (char == "-" and end + 1 < len(text) and text[end + 1].isalnum()):
            return False
    return True


def longest_first(hits: list[Hit]) -> list[Hit]:
    """Leftmost-longest, non-overlapping: 'connection pool exhaustion' beats 'connection pool'."""
    chosen: list[Hit] = []
    taken_until = -1
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if hit.start >= taken_until:
            chosen.append(hit)
            taken_until = hit.end
    return chosen
