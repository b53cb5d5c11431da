"""The errors notify raises on purpose; the CLI maps each to an exit code.

NotifyError                 exit 2 unless said otherwise
├── InputError              a bad incident record, message file, subscriber list or setting
├── PolicyPackError         a malformed rule pack
├── TemplateError           a template that does not render
├── StoreError              the store cannot be opened or used
├── ConflictError           exit 1: someone else changed the thing first
├── ReviewRefused           exit 1: the draft is not in a state where this is allowed
└── StatuspageError         exit 3: Atlassian Statuspage refused or could not be reached

Exceptions that never reach a user (a webhook event to ignore, a delivery to retry) stay beside
the code that raises and catches them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class NotifyError(Exception):
    """An error a user can fix; carries where it happened and how to fix it."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        hint = f"\n  hint: {self.hint}" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class InputError(NotifyError):
    """An incident record or message file that cannot be used as given."""


class PolicyPackError(NotifyError):
    """A rule pack that is not valid YAML or breaks the rule schema."""


class TemplateError(NotifyError):
    """A template that is missing or fails to render."""


class StoreError(NotifyError):
    """The store cannot be opened or used (path, URL, server, or a newer schema)."""


class ConflictError(NotifyError):
    """Someone else changed the thing first; exit 1 so scripts can tell it from bad input."""

    exit_code = 1


class ReviewRefused(NotifyError):
    """The draft is not in a state where this decision is allowed; exit 1, like a blocked verdict."""

    exit_code = 1


class StatuspageError(NotifyError):
    """Atlassian Statuspage refused the entry or could not be reached; exit 3, like a failed delivery."""

    exit_code = 3


def did_you_mean(given: str, choices: Iterable[str]) -> str | None:
    """A 'Did you mean ...?' hint for a near-miss name, or None."""
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
