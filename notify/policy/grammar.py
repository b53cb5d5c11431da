"""A real grammar checker (Harper, offline) judges every rewrite before it is kept.

A rewrite that gives a sentence a grammar problem the author's sentence did not have ("a network
card failure" left lower case at the start, a doubled word, "a error") is not applied: the finding
stays for the reviewer, with the attempted rewrite shown as a suggestion. Only the checks that can
catch what a mechanical rewrite breaks are on: about 1.6 ms a sentence here, against ~7 ms with all of them.
Without harper-py installed (it is a dependency; a stripped install may lack it) rewrites are
kept unchecked, and `grammar.available()` says so.
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import lru_cache
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


@lru_cache(maxsize=4096)
def lints(sentence: str) -> tuple[tuple[str, str], ...]:
    """The grammar problems Harper finds in a sentence: (kind, the text at fault)."""
    linter = _linter()
    if linter is None:
        return ()
    with _lock:
        found = linter.lint(sentence)
    return tuple((lint.lint_kind, lint.problem_text) for lint in found)


def added(before: str, after: str) -> list[str]:
    """The problems `after` has that `before` did not: what a rewrite would break."""
    if not after.strip():
        return []
    more = Counter(kind for kind, _ in lints(after)) - Counter(kind for kind, _ in lints(before))
    return sorted(more)
