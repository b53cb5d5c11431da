"""A small on-disk cache for what is slow to build and cheap to load: compiled rule sets."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notify import __version__
from notify.resources import cache_dir


def fingerprint(paths: Iterable[Path]) -> str:
    """Names everything a cached value depends on: notify's version and each file's path, size and time."""
    key = hashlib.sha256(__version__.encode())
    for path in paths:
        stat = path.stat()
        key.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return key.hexdigest()[:24]


def load(name: str) -> Any | None:
    where = cache_dir()
    if where is None:
        return None
    try:
        with (where / f"{name}.pickle").open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None


def store(name: str, value: Any) -> None:
    """Write atomically, so a concurrent reader sees the old file or the new one, never half."""
    where = cache_dir()
    if where is None:
        return
    target = where / f"{name}.pickle"
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        temporary.replace(target)
    except (OSError, pickle.PicklingError, TypeError):
        temporary.unlink(missing_ok=True)
