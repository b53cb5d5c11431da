"""Sentence and clause boundaries that survive abbreviations, decimals, times, URLs and versions."""

from __future__ import annotations

import re
from functools import lru_cache

ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "vs",
    "approx",
    "est",
    "no",
    "nos",
    "fig",
    "inc",
    "ltd",
    "co",
    "corp",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "u.s",
    "u.k",
    "a.m",
    "p.m",
    "min",
    "sec",
    "hr",
    "hrs",
    "dept",
    "ref",
    "cf",
    "al",
}


def _not_after_abbreviation() -> str:
    """Lookbehinds that refuse a full stop ending an abbreviation ('e.g.', 'Dr.') or an initial ('J.').

    One per length, as lookbehinds must have a fixed width; the word must not be the tail of a
    longer one ('zinc.' is not 'inc.')."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(ABBREVIATIONS):
        by_length.setdefault(len(word), []).append(re.escape(word))
    behind = [rf"(?<!(?<![A-Za-z.])(?i:{'|'.join(words)})\.)" for _, words in sorted(by_length.items())]
    return "".join(behind) + r"(?<!(?<![A-Za-z.])[A-Z]\.)"


# A boundary is terminal punctuation (not after an abbreviation, and from the first of a run of
# them), optional closing quotes/brackets, then white space before something that can start a
# sentence; a blank line or a list item also ends one. It opens with one character class so that
# the engine can skip straight to the next [.!?\n] instead of trying every position.
_CANDIDATE = re.compile(
    r"[.!?\n](?:(?<=[.!?])(?<![.!?].)"
    + _not_after_abbreviation()
    + r"[.!?]*[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=\n)\s*\n|(?<=\n)(?=\s*(?:[-*+]|\d+\.)\s))"
)
# " - " is left out: status pages write "Resolved - This incident ...", where it joins, not separates.
CLAUSE_SEPARATOR = re.compile(r",\s+|;\s+|:\s+|\s+[—–]\s+|\s*\(\s*|\s*\)")
# outside a parenthesis, its brackets are not clause boundaries: 'an AWS issue in the EU Central
# (Frankfurt) region that is affecting ...' is one clause
OUTSIDE_SEPARATOR = re.compile(r",\s+|;\s+|:\s+|\s+[—–]\s+")


@lru_cache(maxsize=512)
def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, end exclusive and including its terminal punctuation.

    Cached: one text is split by several checks in turn; callers must not modify the list.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [m.end() for m in _CANDIDATE.finditer(text)] + [len(text)]:
        piece = text[start:end]
        kept = piece.strip()
        if kept:
            first = start + len(piece) - len(piece.lstrip())
            spans.append((first, first + len(kept)))
        start = end
    return spans


def _body_end(text: str, sentence: tuple[int, int]) -> int:
    """Where the sentence's words end, before its closing punctuation and quotes."""
    s_start, body_end = sentence
    while body_end > s_start and text[body_end - 1] in ".!?\"'”’":
        body_end -= 1
    return body_end


def clause_at(text: str, sentence: tuple[int, int], start: int, end: int) -> tuple[int, int, bool]:
    """The clause around [start, end) within a sentence, with its leading separator.

    Returns (clause_start, clause_end, whole) where whole says the clause is the entire
    sentence, so removing it means removing the sentence.
    """
    s_start, s_end = sentence
    body_end = _body_end(text, sentence)
    opened, closed = text.rfind("(", s_start, start), text.rfind(")", s_start, start)
    separator = CLAUSE_SEPARATOR if opened > closed else OUTSIDE_SEPARATOR
    left = s_start
    for sep in separator.finditer(text, s_start, start):
        left = sep.start()
    right = body_end
    next_sep = separator.search(text, end, body_end)
    if next_sep:
        right = next_sep.start()
    if left == s_start and right == body_end:
        return s_start, s_end, True
    if left == s_start and next_sep:
        right = next_sep.end()  # a leading clause takes its trailing separator with it
    return left, right, False


# the words that start the reason for what a sentence tells: 'orders were stuck because our provider was down'
_REASON = re.compile(r"\s+(?:because(?:\s+of)?|due\s+to|owing\s+to|as\s+a\s+result\s+of|caused\s+by|following)\s", re.I)
# a told fact has a verb in it ('orders were stuck', 'checkout failed'), not only a time or a place
_FACT_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|could|did|stuck|lost|went|ran|saw|\w+ed)\b", re.I)
# 'The issue was caused by ...': the verb is in the reason, and cutting it leaves 'The issue was'
_AUXILIARY_LAST = re.compile(r"\b(?:is|are|was|were|be|been|being|has|have|had)$", re.I)


def reason_at(text: str, sentence: tuple[int, int], start: int, end: int) -> tuple[int, int] | None:
    """The reason clause that holds [start, end), when the same clause first tells a fact: dropping
    the reason keeps the fact ('Some orders were stuck in pending because our provider Stripe had an
    outage.' -> 'Some orders were stuck in pending.'). None where no fact comes before the reason."""
    s_start, _ = sentence
    body_end = _body_end(text, sentence)
    left = s_start
    for sep in CLAUSE_SEPARATOR.finditer(text, s_start, start):
        left = sep.end()
    reason = None
    for m in _REASON.finditer(text, left, end):  # the mention may start with its cue ("because our provider")
        reason = m
    if (
        reason is None
        or not _FACT_VERB.search(text, left, reason.start())
        or _AUXILIARY_LAST.search(text, left, reason.start())
    ):
        return None
    next_sep = CLAUSE_SEPARATOR.search(text, end, body_end)
    return reason.start(), next_sep.start() if next_sep else body_end
