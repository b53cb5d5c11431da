"""Sentence and clause boundaries that survive abbreviations, decimals, times, URLs and versions."""

from __future__ import annotations

import re
from functools import lru_cache

ABBREVIATIONS = {
    "e.g", "i.e", "etc", "vs", "approx", "est", "no", "nos", "fig", "inc", "ltd", "co", "corp",
    "mr", "mrs", "ms", "dr", "prof", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "u.s", "u.k", "a.m", "p.m", "min", "sec", "hr", "hrs", "dept", "ref", "cf", "al",
}
# A boundary is terminal punctuation, optional closing quotes/brackets, then white space
# before something that can start a sentence; a blank line or a list item also ends one.
# It opens with one character class so that the engine can skip straight to the next [.!?\n].
_CANDIDATE = re.compile(
    r"[.!?\n](?:(?<=[.!?])[.!?]*[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=\n)\s*\n|(?<=\n)(?=\s*(?:[-*+]|\d+\.)\s))"
)
# " - " is left out: status pages write "Resolved - This incident ...", where it joins, not separates.
CLAUSE_SEPARATOR = re.compile(r",\s+|;\s+|:\s+|\s+[—–]\s+|\s*\(\s*|\s*\)")


@lru_cache(maxsize=512)
def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, end exclusive and including its terminal punctuation.

    Cached: one text is split by several checks in turn; callers must not modify the list.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        end = match.end()
        _add_trimmed(spans, text, start, end)
        start = end
    _add_trimmed(spans, text, start, len(text))
    return spans


_WORD_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ."
_LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS))


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word before this dot (its run of letters and dots) is an abbreviation or an initial."""
    low = max(0, dot - _LONGEST_ABBREVIATION - 2)
    tail = text[low:dot]
    run = tail[len(tail.rstrip(_WORD_CHARACTERS)):]
    if len(run) == len(tail) and low > 0:  # the run goes further back: too long for an abbreviation,
        first = dot - len(run)            # unless most of it is dots
        while first > max(0, dot - 24) and text[first - 1] in _WORD_CHARACTERS:
            first -= 1
        run = text[first:dot]
    token = run.lstrip(".")
    if not token:
        return False
    if token.lower() in ABBREVIATIONS:
        return True
    return len(token) == 1 and token.isupper()  # an initial: "J. Smith"


def _add_trimmed(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    kept = piece.strip()
    if kept:
        first = start + len(piece) - len(piece.lstrip())
        spans.append((first, first + len(kept)))


def clause_at(text: str, sentence: tuple[int, int], start: int, end: int) -> tuple[int, int, bool]:
    """The clause around [start, end) within a sentence, with its leading separator.

    Returns (clause_start, clause_end, whole) where whole says the clause is the entire
    sentence, so removing it means removing the sentence.
    """
    s_start, s_end = sentence
    body_end = s_end
    while body_end > s_start and text[body_end - 1] in ".!?\"'”’":
        body_end -= 1
    left = s_start
    for sep in CLAUSE_SEPARATOR.finditer(text, s_start, start):
        left = sep.start()
    right = body_end
    next_sep = CLAUSE_SEPARATOR.search(text, end, body_end)
    if next_sep:
        right = next_sep.start()
    if left == s_start and right == body_end:
        return s_start, s_end, True
    if left == s_start and next_sep:
        right = next_sep.end()  # a leading clause takes its trailing separator with it
    return left, right, False
