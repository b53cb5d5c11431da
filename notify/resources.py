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


def secret_key() -> bytes:
    """The key that signs unsubscribe tokens: $NOTIFY_SECRET, else a random key kept beside the store."""
    if os.environ.get("NOTIFY_SECRET"):
        return os.environ["NOTIFY_SECRET"].encode()
    home = Path(
        os.environ.get("NOTIFY_HOME")
        or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "notify"
    )
    path = home / "secret.key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        import secrets

        home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        return key
