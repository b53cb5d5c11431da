"""Find many phrases at once: one Aho-Corasick pass, so time stays flat as packs grow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Lower-case and straighten quotes without changing any offset."""
    folded = text.translate(_FOLD).lower()
    if len(folded) != len(text):  # a few characters lower-case to two; keep those as they are
        folded = "".join(c.translate(_FOLD).lower() if len(c.lower()) == 1 else c for c in text)
    return folded


def is_exact(phrase: str) -> bool:
    """A phrase written with a capital (NIC, Stripe) matches only as written: 'Nic' and 'a switch' are left alone."""
    return phrase[:1].isupper()


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    key: str  # the phrase as written in the pack
    owners: tuple[str, ...]  # whatever the caller attached: rule ids or list names


class PhraseMatcher:
    """Whole-word, case-insensitive matching of a fixed phrase set."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        owners: dict[str, dict[str, list[str]]] = {}
        for phrase, owner in phrases:
            phrase = " ".join(phrase.split())
            if not phrase:
                continue
            owners.setdefault(fold(phrase), {}).setdefault(phrase, []).append(owner)
        self._automaton = ahocorasick.Automaton()
        for folded, variants in owners.items():
            entries = tuple((p, tuple(dict.fromkeys(o))) for p, o in variants.items())
            self._automaton.add_word(folded, (len(folded), entries))
        self.size = len(owners)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str, folded: str | None = None) -> list[Hit]:
        """Every whole-word occurrence; overlapping hits are all returned."""
        if not self.size:
            return []
        folded = fold(text) if folded is None else folded
        hits = []
        for last, (length, entries) in self._automaton.iter(folded):
            start = last - length + 1
            end = last + 1
            if not _whole_word(folded, start, end):
                continue
            for phrase, owners in entries:
                if is_exact(phrase) and text[start:end] != phrase:
                    continue
                hits.append(Hit(start, end, phrase, owners))
        return hits


def _whole_word(text: str, start: int, end: int) -> bool:
    """Not inside a longer word, nor a hyphenated token: 'db' is not found in 'db-eu-1'."""
    def joins(char: str, beyond: str) -> bool:
        return char.isalnum() or char == "_" or (char == "-" and beyond.isalnum())

    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not joins(before, text[start - 2] if start > 1 else " ") and \
        not joins(after, text[end + 1] if end + 1 < len(text) else " ")


def longest_first(hits: list[Hit]) -> list[Hit]:
    """Leftmost-longest, non-overlapping: 'connection pool exhaustion' beats 'connection pool'."""
    chosen: list[Hit] = []
    taken_until = -1
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if hit.start >= taken_until:
            chosen.append(hit)
            taken_until = hit.end
    return chosen
