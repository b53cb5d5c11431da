"""The errors notify raises on purpose; the CLI maps each to an exit code.

    NotifyError                 exit 2 unless said otherwise
    ├── InputError              a bad incident record or message file
    ├── PolicyPackError         a malformed rule pack
    ├── TemplateError           a template that does not render
    └── PolicyBlocked           exit 1: the policy verdict is blocked
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


class PolicyBlocked(NotifyError):
    """The policy verdict is blocked; nothing customer-facing may be rendered."""

    exit_code = 1


def did_you_mean(given: str, choices: Iterable[str]) -> str | None:
    """A 'Did you mean ...?' hint for a near-miss name, or None."""
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
