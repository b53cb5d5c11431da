"""A real grammar checker (Harper, offline) judges every rewrite before it is kept.

A rewrite that gives a sentence a grammar problem the author's sentence did not have ("a network
card failure" left lower case at the start, a doubled word, "a error") is not applied: the finding
stays for the reviewer, with the attempted rewrite shown as a suggestion. Only the checks that can
catch what a mechanical rewrite breaks are on: a call for one sentence costs 0.1–0.5 ms here and one
for twenty 0.7 ms, against 0.4–1.3 ms and 4.4–4.6 ms with all of Harper's checks (2026-12-03).
Without harper-py installed (it is a dependency; a stripped install may lack it) rewrites are
kept unchecked, and `grammar.available()` says so.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Any

CHECKS = (
    "AnA",
    "RepeatedWords",
    "SentenceCapitalization",
    "Spaces",
    "CapitalizePersonalPronouns",
    "DefiniteArticle",
    "SomeWithoutArticle",
)
_state: dict[str, Any] = {}
_lock = threading.Lock()  # one linter, shared by the service's threads


def _linter() -> Any | None:
    if "linter" not in _state:
        try:
            import harper
        except ImportError:
            _state["linter"] = None
        else:
            linter = harper.Linter(harper.Dialect.BRITISH)
            config: dict[str, bool | None] = dict.fromkeys(linter.get_default_lint_config(), False)
            config.update(dict.fromkeys(CHECKS, True))
            linter.set_lint_config(config)
            _state["linter"] = linter
    return _state["linter"]


def available() -> bool:
    return _linter() is not None


_known: dict[str, tuple[tuple[str, str], ...]] = {}  # sentence -> its problems, for the texts checked lately
_KEEP = 4096
_SEPARATOR = "\n\n"  # a paragraph break: Harper reads each sentence as its own


def added(before: str, after: str) -> list[str]:
    """The problems `after` has that `before` did not: what a rewrite would break."""
    return added_to_each([(before, after)])[0]


def added_to_each(rewrites: Sequence[tuple[str, str]]) -> list[list[str]]:
    """`added` for each (before, after) of a text's rewrites, asking Harper at most twice: once for
    every `after`, once for the `before` of those that have a problem. A call for one sentence costs
    0.1–0.5 ms and one for twenty 0.7 ms, so one call for all is what keeps it cheap."""
    afters = _lints_of([after for _, after in rewrites if after.strip()])
    befores = _lints_of([before for before, after in rewrites if after.strip() and afters[after]])
    out: list[list[str]] = []
    for before, after in rewrites:
        if not after.strip() or not afters[after]:
            out.append([])
            continue
        more = Counter(kind for kind, _ in afters[after]) - Counter(kind for kind, _ in befores[before])
        out.append(sorted(more))
    return out


def forget() -> None:
    """Drop the problems kept for sentences seen lately (a benchmark measures texts seen for the first time)."""
    with _lock:
        _known.clear()


def _lints_of(sentences: Sequence[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each sentence's problems as (kind, the text at fault). Those not seen lately are read in one
    call, as paragraphs of one text, each problem given back to the sentence that holds it (one
    that straddles two is none of theirs: the sentences are judged apart)."""
    with _lock:
        found = {s: _known[s] for s in sentences if s in _known}
    new = [s for s in dict.fromkeys(sentences) if s not in found]
    if not new:
        return found
    linter = _linter()
    if linter is None:
        return {**found, **dict.fromkeys(new, ())}
    starts, at = [], 0
    for sentence in new:
        starts.append(at)
        at += len(sentence) + len(_SEPARATOR)
    with _lock:
        problems = linter.lint(_SEPARATOR.join(new))
        if len(_known) + len(new) > _KEEP:
            _known.clear()
    each: list[list[tuple[str, str]]] = [[] for _ in new]
    for lint in problems:
        i = bisect_right(starts, lint.span.start) - 1
        if i >= 0 and lint.span.end <= starts[i] + len(new[i]):
            each[i].append((lint.lint_kind, lint.problem_text))
    fresh = {sentence: tuple(problems) for sentence, problems in zip(new, each, strict=True)}
    with _lock:
        _known.update(fresh)
    return {**found, **fresh}
