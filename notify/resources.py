"""Find the bundled templates/ and policies/ in a checkout or inside an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The checkout's folder first (so an editable install never reads stale copies), then the wheel's."""
    checkout = PACKAGE.parent / name
    if (PACKAGE.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return PACKAGE / name


def cache_dir() -> Path | None:
    """Where compiled templates are kept between runs; None when nowhere is writable."""
    if os.environ.get("NOTIFY_CACHE_DIR"):
        base = Path(os.environ["NOTIFY_CACHE_DIR"])
    elif os.environ.get("NOTIFY_HOME"):
        base = Path(os.environ["NOTIFY_HOME"]) / "cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "notify"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base if os.access(base, os.W_OK) else None
