"""The time, as one function every stage is handed: tests and the scheduler pass their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, to the second: what the store and the audit log keep."""
    return datetime.now(UTC).replace(microsecond=0)
